"""SQLite access. The database file is $DATABASE_PATH (learnpath sets it), else conduit.db."""

import os
import sqlite3

DATABASE_PATH = os.environ.get("DATABASE_PATH") or "conduit.db"

# Add your tables here as the stages need them (users for stage 2, articles later...).
SCHEMA = """
CREATE TABLE IF NOT EXISTS article_tags (
    article_id INTEGER NOT NULL,
    tag        TEXT NOT NULL,
    PRIMARY KEY (article_id, tag)
);
"""


def connect() -> sqlite3.Connection:
    """A new connection; rows behave like dicts (row["tag"])."""
    conn = sqlite3.connect(DATABASE_PATH)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def init_schema() -> None:
    with connect() as conn:
        conn.executescript(SCHEMA)
