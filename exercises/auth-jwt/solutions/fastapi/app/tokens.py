"""Access tokens (JWT, HS256, 15 minutes) and refresh tokens (random, single use, in families)."""

import hashlib
import secrets
import sqlite3
import time

import jwt

from . import config
from .db import transaction


def create_access_token(user_id: int, role: str) -> str:
    now = int(time.time())
    claims = {
        "sub": str(user_id),
        "role": role,  # for clients; the server reads the role from the database
        "iat": now,
        "exp": now + config.ACCESS_TOKEN_SECONDS,
        "iss": config.ISSUER,
        "aud": config.AUDIENCE,
    }
    return jwt.encode(claims, config.JWT_SECRET, algorithm="HS256")


def user_id_from_access_token(token: str) -> int | None:
    """The user id of a token this server issued and still accepts; None for anything else."""
    try:
        claims = jwt.decode(
            token,
            config.JWT_SECRET,
            algorithms=["HS256"],  # ours, never the header's
            audience=config.AUDIENCE,
            issuer=config.ISSUER,
            leeway=config.CLOCK_SKEW_SECONDS,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
        return int(claims["sub"])
    except (jwt.InvalidTokenError, ValueError, TypeError):
        return None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_refresh_token(conn: sqlite3.Connection, user_id: int, family_id: str | None) -> str:
    """A new refresh token for ``user_id`` in ``family_id`` (None: a new login, a new family).
    Call it inside a transaction."""
    token = secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO refresh_tokens (token_hash, user_id, family_id, expires_at) "
        "VALUES (?, ?, ?, ?)",
        (
            _digest(token),
            user_id,
            family_id or secrets.token_hex(16),
            int(time.time()) + config.REFRESH_TOKEN_SECONDS,
        ),
    )
    return token


def rotate_refresh_token(conn: sqlite3.Connection, token: str) -> tuple[int, str] | None:
    """Use up ``token``: its user id and the next token of its family, or None when it is not
    valid. A token that was already used is a theft signal: its whole family is revoked."""
    digest = _digest(token)
    now = int(time.time())
    with transaction(conn):
        # Checking and marking in one statement: two requests cannot both claim the token.
        claimed = conn.execute(
            "UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL "
            "AND revoked_at IS NULL AND expires_at > ?",
            (now, digest, now),
        )
        row = conn.execute(
            "SELECT user_id, family_id, used_at FROM refresh_tokens WHERE token_hash = ?",
            (digest,),
        ).fetchone()
        if claimed.rowcount == 1:
            return row["user_id"], issue_refresh_token(conn, row["user_id"], row["family_id"])
        if row is not None and row["used_at"] is not None:
            revoke_family(conn, row["family_id"], now)
    return None


def revoke_family(conn: sqlite3.Connection, family_id: str, now: int) -> None:
    conn.execute(
        "UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL",
        (now, family_id),
    )


def revoke_family_of(conn: sqlite3.Connection, token: str) -> None:
    with transaction(conn):
        row = conn.execute(
            "SELECT family_id FROM refresh_tokens WHERE token_hash = ?", (_digest(token),)
        ).fetchone()
        if row is not None:
            revoke_family(conn, row["family_id"], int(time.time()))
