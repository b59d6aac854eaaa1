"""Registration, login, token refresh, logout and the current user."""

import sqlite3

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from .. import config, lockout, passwords, tokens
from ..auth import CurrentUser, Db
from ..db import transaction
from ..errors import ApiError, unprocessable

router = APIRouter()


def invalid_credentials() -> ApiError:
    # One answer for a wrong password and an unknown email: it must not tell them apart.
    return ApiError(401, {"credentials": ["invalid email or password"]})


class Credentials(BaseModel):
    # Anything else sent (a "role", say) is ignored: new accounts are always users.
    email: str | None = None
    password: str | None = None


class RefreshRequest(BaseModel):
    refresh_token: str | None = None


def _required(value: str | None, field: str) -> str:
    if value is None or not value.strip():
        raise unprocessable(field)
    return value


def _token_pair(db: sqlite3.Connection, user_id: int, role: str, family: str | None) -> dict:
    with transaction(db):
        refresh = tokens.issue_refresh_token(db, user_id, family)
    return _answer(user_id, role, refresh)


def _answer(user_id: int, role: str, refresh: str) -> dict:
    return {
        "access_token": tokens.create_access_token(user_id, role),
        "token_type": "Bearer",
        "expires_in": config.ACCESS_TOKEN_SECONDS,
        "refresh_token": refresh,
    }


@router.post("/users", status_code=201)
def register(body: Credentials, db: Db) -> dict:
    email = _required(body.email, "email").strip().lower()
    password = _required(body.password, "password")
    if len(password) < 8:
        raise unprocessable("password", "is too short (minimum is 8 characters)")
    taken = ApiError(409, {"email": ["has already been taken"]})
    if db.execute("SELECT 1 FROM users WHERE email = ?", (email,)).fetchone():
        raise taken
    password_hash = passwords.hash_password(password)  # slow: before taking the write lock
    try:
        with transaction(db):
            cursor = db.execute(
                "INSERT INTO users (email, password_hash) VALUES (?, ?)", (email, password_hash)
            )
    except sqlite3.IntegrityError:
        raise taken from None
    return {"user": {"id": cursor.lastrowid, "email": email, "role": "user"}}


@router.post("/login")
def login(body: Credentials, request: Request, db: Db) -> dict:
    email = _required(body.email, "email").strip().lower()
    password = _required(body.password, "password")
    ip = request.client.host if request.client else "unknown"
    wait = lockout.retry_after(db, email, ip)
    if wait is not None:
        raise ApiError(
            429,
            {"login": ["too many failed attempts, try again later"]},
            {"Retry-After": str(wait)},
        )
    row = db.execute(
        "SELECT id, password_hash, role FROM users WHERE email = ?", (email,)
    ).fetchone()
    if row is None:
        passwords.waste_time_like_a_check(password)
        ok, stale = False, False
    else:
        ok, stale = passwords.verify_password(password, row["password_hash"])
    if not ok:
        lockout.record_failure(db, email, ip)
        raise invalid_credentials()
    if stale:  # an old or weaker hash: replace it now that we know the password
        with transaction(db):
            db.execute(
                "UPDATE users SET password_hash = ? WHERE id = ?",
                (passwords.hash_password(password), row["id"]),
            )
    return _token_pair(db, row["id"], row["role"], None)


@router.post("/token/refresh")
def refresh(body: RefreshRequest, db: Db) -> dict:
    invalid = ApiError(401, {"refresh_token": ["is invalid"]})
    if not body.refresh_token:
        raise invalid
    rotated = tokens.rotate_refresh_token(db, body.refresh_token)
    if rotated is None:
        raise invalid
    user_id, next_token = rotated
    row = db.execute("SELECT role FROM users WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        raise invalid
    return _answer(user_id, row["role"], next_token)


@router.post("/logout", status_code=204)
def logout(body: RefreshRequest, db: Db) -> Response:
    if body.refresh_token:
        tokens.revoke_family_of(db, body.refresh_token)
    return Response(status_code=204)


@router.get("/me")
def me(user: CurrentUser) -> dict:
    return {"user": user.public()}
