"""SQLite access. The database file is $DATABASE_PATH (learnpath sets it), else notes.db."""

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

DATABASE_PATH = os.environ.get("DATABASE_PATH") or "notes.db"

# Change the table as the stages need it (a UNIQUE title, a version for ETags...). CREATE
# TABLE IF NOT EXISTS leaves an existing table alone: delete your local notes.db after a
# change (learnpath grade always gives your server a fresh, empty file).
SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    title      TEXT NOT NULL,
    body       TEXT,
    tags       TEXT NOT NULL DEFAULT '[]',  -- a JSON list of strings: json.dumps(tags)
    priority   INTEGER NOT NULL DEFAULT 3,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


@contextmanager
def connect() -> Iterator[sqlite3.Connection]:
    """A connection that commits at the end of the block (rolls back on an error) and closes;
    rows behave like dicts (row["title"])."""
    conn = sqlite3.connect(DATABASE_PATH, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def init_schema() -> None:
    with connect() as conn:
        conn.executescript(SCHEMA)


def to_note(row: sqlite3.Row) -> dict:
    """A row of the notes table as the API's JSON note."""
    return {
        "id": row["id"],
        "title": row["title"],
        "body": row["body"],
        "tags": json.loads(row["tags"]),
        "priority": row["priority"],
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
    }
