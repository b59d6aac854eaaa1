"""Request-scoped dependencies: settings, a pooled connection, the authenticated user."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

import psycopg
from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from .config import Settings
from .db import BIGINT_MAX
from .errors import forbidden, unauthorized
from .payments import PaymentsClient
from .security import decode_token

# Documents the header in OpenAPI as the "Token" scheme; parsed below.
token_header = APIKeyHeader(
    name="Authorization",
    scheme_name="Token",
    description="`Token <JWT>` as returned by register and login.",
    auto_error=False,
)


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_payments(request: Request) -> PaymentsClient:
    return request.app.state.payments


async def get_conn(request: Request) -> AsyncIterator[psycopg.AsyncConnection]:
    async with request.app.state.pool.connection() as conn:
        yield conn


Conn = Annotated[psycopg.AsyncConnection, Depends(get_conn)]
Config = Annotated[Settings, Depends(get_settings)]
Payments = Annotated[PaymentsClient, Depends(get_payments)]


@dataclass(frozen=True)
class AuthUser:
    id: int
    email: str
    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


async def current_user(
    conn: Conn,
    settings: Config,
    authorization: Annotated[str | None, Security(token_header)],
) -> AuthUser:
    if not authorization:
        raise unauthorized()
    scheme, _, token = authorization.strip().partition(" ")
    user_id = decode_token(token.strip(), settings.jwt_secret) if scheme == "Token" else None
    if user_id is None or not 0 < user_id <= BIGINT_MAX:
        raise unauthorized("is invalid")
    cur = await conn.execute(
        "SELECT id, email, username, role FROM users WHERE id = %s", (user_id,)
    )
    row = await cur.fetchone()
    if row is None:  # a valid token for a user that no longer exists
        raise unauthorized("is invalid")
    return AuthUser(**row)


async def admin_user(user: Annotated[AuthUser, Depends(current_user)]) -> AuthUser:
    if not user.is_admin:
        raise forbidden()
    return user


CurrentUser = Annotated[AuthUser, Depends(current_user)]
AdminUser = Annotated[AuthUser, Depends(admin_user)]
