"""Accounts: register, log in, the current user."""

from typing import Any

import psycopg
from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from ..dependencies import Config, Conn, CurrentUser
from ..errors import ApiError
from ..schemas import LoginRequest, RegisterRequest, UserResponse
from ..security import DUMMY_HASH, create_token, hash_password, verify_password
from .responses import errors

router = APIRouter(tags=["users"])

TAKEN = "has already been taken"


def _user_json(row: Any, secret: str, ttl_hours: int) -> dict:
    return {
        "user": {
            "email": row["email"],
            "username": row["username"],
            "role": row["role"],
            "token": create_token(row["id"], secret, ttl_hours),
        }
    }


async def _taken(conn: psycopg.AsyncConnection, email: str, username: str) -> dict[str, list[str]]:
    cur = await conn.execute(
        "SELECT lower(email) = lower(%s) AS email, username = %s AS username FROM users"
        " WHERE lower(email) = lower(%s) OR username = %s",
        (email, username, email, username),
    )
    found: dict[str, list[str]] = {}
    for row in await cur.fetchall():
        for field in ("email", "username"):
            if row[field]:
                found[field] = [TAKEN]
    return found


@router.post("/users", status_code=201, response_model=UserResponse, responses=errors(409, 422))
async def register(body: RegisterRequest, conn: Conn, settings: Config) -> dict:
    new = body.user
    if taken := await _taken(conn, new.email, new.username):
        raise ApiError(409, taken)
    # scrypt is slow on purpose: keep it off the event loop.
    password_hash = await run_in_threadpool(hash_password, new.password)
    try:
        cur = await conn.execute(
            "INSERT INTO users (email, username, password_hash) VALUES (%s, %s, %s)"
            " RETURNING id, email, username, role",
            (new.email, new.username, password_hash),
        )
    except psycopg.errors.UniqueViolation as exc:
        # Lost a race with an identical registration: the unique indexes decided.
        raise ApiError(
            409, await _taken(conn, new.email, new.username) or {"user": [TAKEN]}
        ) from exc
    return _user_json(await cur.fetchone(), settings.jwt_secret, settings.token_ttl_hours)


@router.post("/users/login", response_model=UserResponse, responses=errors(401, 422))
async def login(body: LoginRequest, conn: Conn, settings: Config) -> dict:
    cur = await conn.execute(
        "SELECT id, email, username, role, password_hash FROM users WHERE lower(email) = lower(%s)",
        (body.user.email,),
    )
    row = await cur.fetchone()
    stored = row["password_hash"] if row else DUMMY_HASH
    if not await run_in_threadpool(verify_password, body.user.password, stored) or row is None:
        raise ApiError(401, {"credentials": ["invalid"]})
    return _user_json(row, settings.jwt_secret, settings.token_ttl_hours)


@router.get("/user", response_model=UserResponse, responses=errors(401))
async def current(user: CurrentUser, settings: Config) -> dict:
    row = {"id": user.id, "email": user.email, "username": user.username, "role": user.role}
    return _user_json(row, settings.jwt_secret, settings.token_ttl_hours)
