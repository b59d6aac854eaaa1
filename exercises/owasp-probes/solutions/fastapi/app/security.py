"""Passwords (scrypt), session tokens, and the signed-in user of a request."""

import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header

from .db import get_db
from .errors import ApiError

N, R, P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        again = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return hmac.compare_digest(again.hex(), digest)


# Checked against when the email is unknown, so that both failures take as long.
DUMMY_HASH = hash_password(secrets.token_urlsafe(12))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_session(db: sqlite3.Connection, user_id: int) -> str:
    token = secrets.token_urlsafe(32)
    db.execute(
        "INSERT INTO sessions (token_hash, user_id) VALUES (?, ?)", (_digest(token), user_id)
    )
    return token


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str
    role: str


def current_user(
    db: Annotated[sqlite3.Connection, Depends(get_db)],
    authorization: Annotated[str | None, Header()] = None,
) -> User:
    """The user of the Bearer token, read from the database on every request (role too)."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, {"token": ["is missing"]}, {"WWW-Authenticate": "Bearer"})
    row = db.execute(
        "SELECT u.id, u.email, u.name, u.role FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.token_hash = ?",
        (_digest(token.strip()),),
    ).fetchone()
    if row is None:
        raise ApiError(401, {"token": ["is invalid"]}, {"WWW-Authenticate": "Bearer"})
    return User(row["id"], row["email"], row["name"], row["role"])


CurrentUser = Annotated[User, Depends(current_user)]
Db = Annotated[sqlite3.Connection, Depends(get_db)]
