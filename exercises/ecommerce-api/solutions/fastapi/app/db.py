"""PostgreSQL access: a connection pool, timestamps as the API writes them, id parsing."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from .migrations import migrate

BIGINT_MAX = 2**63 - 1


def open_pool(database_url: str, size: int) -> AsyncConnectionPool:
    """A pool of autocommit connections; writes open explicit ``conn.transaction()`` blocks."""
    return AsyncConnectionPool(
        database_url,
        min_size=2,
        max_size=size,
        kwargs={"autocommit": True, "row_factory": dict_row},
        # Don't hang a request for ever when the database is gone.
        timeout=10,
        open=False,
    )


def apply_migrations(database_url: str) -> list[str]:
    """Run pending migrations on a connection of their own, before the pool serves requests."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        return migrate(conn)


async def connection(pool: AsyncConnectionPool) -> AsyncIterator[psycopg.AsyncConnection]:
    async with pool.connection() as conn:
        yield conn


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, e.g. 2026-11-29T09:00:00.000Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_id(raw: str) -> int | None:
    """A path id as a bigint, or None when it cannot name a row (answered as 404, not 422)."""
    if not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if 0 < value <= BIGINT_MAX else None
