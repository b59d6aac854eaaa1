"""Request-scoped dependencies: a database connection and the authenticated user.

Handlers and dependencies are ``async``: SQLite answers these indexed queries in
microseconds, so they run inline on the event loop (no thread hand-offs, and no
write transaction ever spans an ``await``). The one slow step, scrypt, runs in
the threadpool (see routers/users.py).
"""

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from .config import Settings
from .errors import invalid_token, missing_token
from .security import decode_token

# Documents the header in OpenAPI as the "Token" scheme; we parse it ourselves.
token_header = APIKeyHeader(
    name="Authorization",
    scheme_name="Token",
    description="`Token <JWT>`, the contract's scheme (`Bearer <JWT>` is refused).",
    auto_error=False,
)

# Marks an operation whose authentication is optional in the OpenAPI document
# (FastAPI appends this to the generated `security` list).
OPTIONAL_AUTH: dict[str, Any] = {"security": [{}]}


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_db(request: Request) -> AsyncIterator[sqlite3.Connection]:
    with request.app.state.db.connection() as conn:
        yield conn


Db = Annotated[sqlite3.Connection, Depends(get_db)]


@dataclass(frozen=True)
class AuthUser:
    id: int
    username: str
    email: str
    bio: str | None
    image: str | None


async def optional_user(
    db: Db,
    settings: Annotated[Settings, Depends(get_settings)],
    authorization: Annotated[str | None, Security(token_header)],
) -> AuthUser | None:
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "token" or not token:
        raise invalid_token()
    user_id = decode_token(token, settings.jwt_secret)
    if user_id is None:
        raise invalid_token()
    row = db.execute(
        "SELECT id, username, email, bio, image FROM users WHERE id = ?", (user_id,)
    ).fetchone()
    if row is None:
        raise invalid_token()
    return AuthUser(**row)


async def current_user(user: Annotated[AuthUser | None, Depends(optional_user)]) -> AuthUser:
    if user is None:
        raise missing_token()
    return user


CurrentUser = Annotated[AuthUser, Depends(current_user)]
MaybeUser = Annotated[AuthUser | None, Depends(optional_user)]
