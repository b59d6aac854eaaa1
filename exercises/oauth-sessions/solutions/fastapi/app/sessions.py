"""Server-side sessions: random ids in an HttpOnly cookie, their SHA-256 in SQLite.

The cookie is opaque: 256 random bits, nothing derived from the user. Signing in replaces the
session with a new one (a new id), so an id planted in the browser before sign-in never gains
the sign-in; signing out deletes the row, so a copied cookie stops working at once. The CSRF
token of a session is an HMAC of its id with SESSION_SECRET: bound to that one session, and no
way back to the id.
"""

import hashlib
import hmac
import secrets
import sqlite3
import time

from fastapi import Request, Response

from . import config
from .db import transaction


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def cookie_value(request: Request) -> str | None:
    value = request.cookies.get(config.SESSION_COOKIE)
    return value if value and len(value) <= 200 else None


def load(conn: sqlite3.Connection, request: Request) -> tuple[str, sqlite3.Row] | None:
    """The browser's live session: its id and row, or None."""
    session_id = cookie_value(request)
    if session_id is None:
        return None
    row = conn.execute(
        "SELECT * FROM sessions WHERE id_hash = ? AND expires_at > ?",
        (_hash(session_id), time.time()),
    ).fetchone()
    return (session_id, row) if row is not None else None


def create(conn: sqlite3.Connection, user_id: int | None, seconds: float) -> str:
    """A new session; returns the id for the cookie (only its hash is stored)."""
    session_id = secrets.token_urlsafe(32)
    now = time.time()
    conn.execute(
        "INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        (_hash(session_id), user_id, now, now + seconds),
    )
    return session_id


def delete(conn: sqlite3.Connection, session_id: str) -> None:
    conn.execute("DELETE FROM sessions WHERE id_hash = ?", (_hash(session_id),))


def start_login(conn: sqlite3.Connection, session_id: str, state: str, verifier: str, nonce: str):
    """Remember what the callback must find: this browser's state, verifier and nonce."""
    conn.execute(
        "UPDATE sessions SET login_state = ?, login_verifier = ?, login_nonce = ?, "
        "login_started = ?, expires_at = MAX(expires_at, ?) WHERE id_hash = ?",
        (state, verifier, nonce, time.time(), time.time() + config.LOGIN_SECONDS, _hash(session_id)),
    )


def take_login(conn: sqlite3.Connection, session_id: str | None, state: str | None):
    """The (verifier, nonce) of this browser's pending sign-in when ``state`` is its state;
    used up either way, so that a state works once. None when it does not match."""
    if session_id is None:
        return None
    with transaction(conn):
        row = conn.execute(
            "SELECT login_state, login_verifier, login_nonce, login_started FROM sessions "
            "WHERE id_hash = ?",
            (_hash(session_id),),
        ).fetchone()
        if row is None or row["login_state"] is None:
            return None
        conn.execute(
            "UPDATE sessions SET login_state = NULL, login_verifier = NULL, login_nonce = NULL, "
            "login_started = NULL WHERE id_hash = ?",
            (_hash(session_id),),
        )
    fresh = time.time() - row["login_started"] < config.LOGIN_SECONDS
    if not state or not fresh or not hmac.compare_digest(row["login_state"], state):
        return None
    return row["login_verifier"], row["login_nonce"]


def csrf_token(session_id: str) -> str:
    key = config.SESSION_SECRET.encode()
    return hmac.new(key, f"csrf:{session_id}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(request: Request, session_id: str) -> bool:
    sent = request.headers.get(config.CSRF_HEADER, "")
    return bool(sent) and hmac.compare_digest(sent, csrf_token(session_id))


def set_cookie(request: Request, response: Response, session_id: str, seconds: float) -> None:
    # Behind a TLS-terminating proxy (which sets X-Forwarded-Proto) the cookie is Secure; on
    # plain http://127.0.0.1 during development a Secure cookie would not come back.
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    response.set_cookie(
        config.SESSION_COOKIE,
        session_id,
        max_age=int(seconds),
        path="/",
        httponly=True,
        samesite="lax",  # Lax, not Strict: the provider's redirect back is a cross-site GET
        secure=proto == "https",
    )


def clear_cookie(response: Response) -> None:
    response.delete_cookie(config.SESSION_COOKIE, path="/", httponly=True, samesite="lax")
