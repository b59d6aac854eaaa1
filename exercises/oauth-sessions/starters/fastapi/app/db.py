"""SQLite access. The database file is $DATABASE_PATH (learnpath sets it), else app.db."""

import sqlite3

from . import config

# Users are found by the provider's `sub`. Add the tables the stages need below (sessions,
# notes).
SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id    INTEGER PRIMARY KEY,
    sub   TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    name  TEXT NOT NULL DEFAULT ''
);
"""


def connect() -> sqlite3.Connection:
    """A new connection; rows behave like dicts (row["email"]). FastAPI may run a request's
    dependency and its route in different threads, hence check_same_thread=False."""
    conn = sqlite3.connect(config.DATABASE_PATH, timeout=10, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def init_schema() -> None:
    with connect() as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(SCHEMA)
