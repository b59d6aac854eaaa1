"""PostgreSQL access. The database is $DATABASE_URL (learnpath gives every run a fresh, empty one).

The schema is made by the server itself at start-up: MIGRATIONS run in order, each once,
recorded in schema_migrations. To change the schema, append a migration; never edit one
that has already run against a database you care about.
"""

import os

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

DATABASE_URL = os.environ.get("DATABASE_URL") or "postgresql://localhost/shop"

# (name, SQL). Add tables here as the stages need them: products (catalog), cart items,
# orders and their lines (checkout), processed webhook events (webhooks)...
MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_users",
        """
        CREATE TABLE users (
            id            bigserial PRIMARY KEY,
            email         text NOT NULL UNIQUE,
            username      text NOT NULL UNIQUE,
            password_hash text NOT NULL,
            role          text NOT NULL DEFAULT 'customer'
        );
        """,
    ),
]

# Reusable connections: opening a PostgreSQL connection per request is slow.
pool = ConnectionPool(
    DATABASE_URL, min_size=1, max_size=10, kwargs={"row_factory": dict_row}, open=False
)


def migrate() -> None:
    """Apply the migrations this database has not seen yet."""
    with psycopg.connect(DATABASE_URL) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
        for name, sql in MIGRATIONS:
            if name not in done:
                conn.execute(sql)
                conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (name,))
        conn.commit()  # all or nothing: a failed migration leaves the database as it was
