"""SQLite access. The database file is $DATABASE_PATH (learnpath sets it), else auth.db."""

import os
import sqlite3

DATABASE_PATH = os.environ.get("DATABASE_PATH") or "auth.db"

# The users table is part of the contract: the grader reads it, and writes to it (an account
# with an old hash, a first admin). Keep these columns; give any column you add a default.
# Add your own tables below as the stages need them (refresh tokens, failed logins, notes).
SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL DEFAULT 'user'
);
"""


def connect() -> sqlite3.Connection:
    """A new connection; rows behave like dicts (row["email"])."""
    conn = sqlite3.connect(DATABASE_PATH, timeout=5)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def init_schema() -> None:
    with connect() as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(SCHEMA)
