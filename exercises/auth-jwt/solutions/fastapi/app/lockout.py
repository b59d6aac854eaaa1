"""Failed-login limits: per email and per client address, in a sliding 15-minute window."""

import math
import sqlite3
import time

from . import config
from .db import transaction


def _limits(email: str, ip: str) -> list[tuple[str, int]]:
    return [
        (f"email:{email}", config.MAX_FAILURES_PER_EMAIL),
        (f"ip:{ip}", config.MAX_FAILURES_PER_IP),
    ]


def retry_after(conn: sqlite3.Connection, email: str, ip: str) -> int | None:
    """Seconds until a login for ``email`` from ``ip`` is allowed again; None if it is now.

    A key is locked while it has ``limit`` failures in the window; it unlocks when the
    ``limit``-th newest of them leaves the window.
    """
    now = time.time()
    waits = []
    for key, limit in _limits(email, ip):
        row = conn.execute(
            "SELECT at FROM login_failures WHERE key = ? AND at > ? "
            "ORDER BY at DESC LIMIT 1 OFFSET ?",
            (key, now - config.LOCKOUT_WINDOW_SECONDS, limit - 1),
        ).fetchone()
        if row is not None:
            waits.append(row["at"] + config.LOCKOUT_WINDOW_SECONDS - now)
    return max(1, math.ceil(max(waits))) if waits else None


def record_failure(conn: sqlite3.Connection, email: str, ip: str) -> None:
    now = time.time()
    with transaction(conn):
        conn.execute(
            "DELETE FROM login_failures WHERE at <= ?", (now - config.LOCKOUT_WINDOW_SECONDS,)
        )
        conn.executemany(
            "INSERT INTO login_failures (key, at) VALUES (?, ?)",
            [(key, now) for key, _ in _limits(email, ip)],
        )
