"""Request dependencies: a database connection, the signed-in user and role checks.

The user *and their role* are read from the database on every request: a token only says who
is asking. So a demotion counts from the next request, whatever role the token mentions.
"""

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header

from . import tokens
from .db import connect
from .errors import forbidden, unauthorized


def get_db() -> Iterator[sqlite3.Connection]:
    conn = connect()
    try:
        yield conn
    finally:
        conn.close()


Db = Annotated[sqlite3.Connection, Depends(get_db)]


@dataclass(frozen=True)
class User:
    id: int
    email: str
    role: str

    def public(self) -> dict:
        return {"id": self.id, "email": self.email, "role": self.role}


def current_user(db: Db, authorization: Annotated[str | None, Header()] = None) -> User:
    if not authorization:
        raise unauthorized("is missing")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("is invalid")
    user_id = tokens.user_id_from_access_token(token.strip())
    row = None
    if user_id is not None:
        row = db.execute("SELECT id, email, role FROM users WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        raise unauthorized("is invalid")
    return User(row["id"], row["email"], row["role"])


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: str) -> Callable[[User], User]:
    """A dependency: the signed-in user (401 without one), who must have one of ``roles`` (403)."""

    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise forbidden("role")
        return user

    return check
