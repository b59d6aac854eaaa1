"""SQLite access: the schema, one connection per request, and write transactions.

The file is $DATABASE_PATH (learnpath gives every grading run a fresh one), else notes.db.
Connections run in autocommit mode; every write goes through ``transaction()``, which takes
SQLite's write lock up front (BEGIN IMMEDIATE), so "read the note, check its ETag, write it"
happens as one step even when requests arrive at the same moment.
"""

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

DATABASE_PATH = os.environ.get("DATABASE_PATH") or "notes.db"

SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so neither are ETags
    title      TEXT NOT NULL UNIQUE,
    body       TEXT,
    tags       TEXT NOT NULL DEFAULT '[]',         -- a JSON list of strings
    priority   INTEGER NOT NULL DEFAULT 3,
    version    INTEGER NOT NULL DEFAULT 1,         -- +1 on every change; part of the ETag
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_created ON notes(created_at, id);
CREATE INDEX IF NOT EXISTS notes_priority ON notes(priority, id);
"""

COLUMNS = "id, title, body, tags, priority, version, created_at, updated_at"


def connect() -> sqlite3.Connection:
    conn = sqlite3.connect(DATABASE_PATH, isolation_level=None, timeout=10)
    conn.row_factory = sqlite3.Row
    return conn


def init_schema() -> None:
    conn = connect()
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(SCHEMA)
    finally:
        conn.close()


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def utc_now() -> str:
    """ISO-8601 in UTC with milliseconds, e.g. 2026-01-31T12:00:00.000Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_note(row: sqlite3.Row) -> dict:
    """A row as the API's JSON note (the version stays inside: it is in the ETag)."""
    return {
        "id": row["id"],
        "title": row["title"],
        "body": row["body"],
        "tags": json.loads(row["tags"]),
        "priority": row["priority"],
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
    }


def etag(row: sqlite3.Row) -> str:
    """A strong ETag: the quotes are part of it. It changes whenever the version does."""
    return f'"{row["id"]}-{row["version"]}"'


def get_row(conn: sqlite3.Connection, note_id: int) -> sqlite3.Row | None:
    return conn.execute(f"SELECT {COLUMNS} FROM notes WHERE id = ?", (note_id,)).fetchone()
