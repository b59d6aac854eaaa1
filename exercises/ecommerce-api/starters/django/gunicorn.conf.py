"""Gunicorn settings: a few threaded workers, and a clean stop on SIGTERM.

Gunicorn already treats SIGTERM as "finish the requests in flight, then exit"; the timeout below
bounds how long that may take so a stuck request cannot keep the process alive.
"""

workers = 2
threads = 4
graceful_timeout = 10
# The payment provider's webhooks and the shopper's requests are short; a worker silent this
# long is stuck and is replaced.
timeout = 30
accesslog = "-"
