"""Conduit (RealWorld API v2) on FastAPI and SQLite."""
