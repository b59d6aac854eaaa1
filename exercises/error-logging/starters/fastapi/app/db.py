"""SQLite access: the schema and one connection per request.

The file is $DATABASE_PATH (learnpath gives every grading run a fresh one), else shop.db.
"""

import os
import sqlite3
from datetime import UTC, datetime

DATABASE_PATH = os.environ.get("DATABASE_PATH") or "shop.db"

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL              -- scrypt, "salt$hash" in hex
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,             -- sha256 of the token: a leaked table logs no one in
    user_id    INTEGER NOT NULL REFERENCES users(id)
);
CREATE TABLE IF NOT EXISTS orders (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    item       TEXT NOT NULL,
    quantity   INTEGER NOT NULL,
    card_last4 TEXT NOT NULL,                -- never the whole card number
    created_at TEXT NOT NULL
);
"""


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


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_order(row: sqlite3.Row) -> dict:
    return {
        "id": row["id"],
        "item": row["item"],
        "quantity": row["quantity"],
        "card_last4": row["card_last4"],
        "created_at": row["created_at"],
    }
