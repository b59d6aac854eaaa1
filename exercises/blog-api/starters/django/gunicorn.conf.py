"""Gunicorn settings: threaded workers that finish their requests and exit on SIGTERM."""

workers = 2
threads = 4
graceful_timeout = 10
timeout = 30
