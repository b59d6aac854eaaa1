"""SQLite: the schema, one connection per request, and short write transactions."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from . import config

SCHEMA = """
-- People who signed in with the provider. `sub` (the provider's subject) is who they are:
-- their email may change at the provider, their sub does not.
CREATE TABLE IF NOT EXISTS users (
    id    INTEGER PRIMARY KEY,
    sub   TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    name  TEXT NOT NULL DEFAULT ''
);

-- Server-side sessions. The cookie holds a random id; the table holds only its SHA-256, so a
-- copy of the database opens no session. A session without user_id is a sign-in in progress:
-- it carries the state, PKCE verifier and nonce of the authorization request it started.
CREATE TABLE IF NOT EXISTS sessions (
    id_hash        TEXT PRIMARY KEY,
    user_id        INTEGER REFERENCES users(id) ON DELETE CASCADE,
    login_state    TEXT,
    login_verifier TEXT,
    login_nonce    TEXT,
    login_started  REAL,
    created_at     REAL NOT NULL,
    expires_at     REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);

CREATE TABLE IF NOT EXISTS notes (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    text       TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_user ON notes(user_id, id);
"""


def connect() -> sqlite3.Connection:
    conn = sqlite3.connect(
        config.DATABASE_PATH, timeout=10, isolation_level=None, check_same_thread=False
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")
    return conn


def init_schema() -> None:
    conn = connect()
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(SCHEMA)
    finally:
        conn.close()


def get_db() -> Iterator[sqlite3.Connection]:
    """A FastAPI dependency: one connection per request."""
    conn = connect()
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error): takes the write lock up front."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
