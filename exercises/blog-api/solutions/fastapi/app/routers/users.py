"""Registration, login and the current user."""

import sqlite3
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from ..config import Settings
from ..db import transaction
from ..dependencies import CurrentUser, Db, get_settings
from ..errors import ApiError, taken
from ..schemas import LoginRequest, NewUserRequest, UserResponse, UserUpdateRequest
from ..security import DUMMY_HASH, create_token, hash_password, verify_password
from .responses import errors

router = APIRouter(tags=["User and Authentication"])

SettingsDep = Annotated[Settings, Depends(get_settings)]


def _user_response(user: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    """The User object with a fresh token (user is a users row or the authenticated user)."""
    token = create_token(user["id"], user["username"], settings.jwt_secret, settings.token_ttl_days)
    return {
        "user": {
            "email": user["email"],
            "token": token,
            "username": user["username"],
            "bio": user["bio"],
            "image": user["image"],
        }
    }


def _taken_fields(
    db: sqlite3.Connection, username: str | None, email: str | None, except_id: int | None = None
) -> list[str]:
    """Which of username/email another user already has."""
    fields = []
    if (
        username is not None
        and db.execute(
            "SELECT 1 FROM users WHERE username = ? AND id IS NOT ?", (username, except_id)
        ).fetchone()
    ):
        fields.append("username")
    if (
        email is not None
        and db.execute(
            "SELECT 1 FROM users WHERE email = ? AND id IS NOT ?", (email, except_id)
        ).fetchone()
    ):
        fields.append("email")
    return fields


@router.post(
    "/users",
    status_code=201,
    response_model=UserResponse,
    responses=errors(409, 422),
    summary="Register a new user",
)
async def register(payload: NewUserRequest, db: Db, settings: SettingsDep):
    new = payload.user
    # scrypt is slow on purpose: run it off the event loop, before taking the write lock.
    password_hash = await run_in_threadpool(hash_password, new.password)
    with transaction(db):
        if conflicts := _taken_fields(db, new.username, new.email):
            raise taken(*conflicts)
        user_id = db.execute(
            "INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
            (new.username, new.email, password_hash),
        ).lastrowid
    return _user_response(
        {"id": user_id, "username": new.username, "email": new.email, "bio": None, "image": None},
        settings,
    )


@router.post(
    "/users/login",
    response_model=UserResponse,
    responses=errors(401, 422),
    summary="Log in an existing user",
)
async def login(payload: LoginRequest, db: Db, settings: SettingsDep):
    credentials = payload.user
    row = db.execute(
        "SELECT id, username, email, bio, image, password_hash FROM users WHERE email = ?",
        (credentials.email,),
    ).fetchone()
    stored = row["password_hash"] if row else DUMMY_HASH
    valid = await run_in_threadpool(verify_password, credentials.password, stored)
    if row is None or not valid:
        raise ApiError(401, {"credentials": ["invalid"]})
    return _user_response(row, settings)


@router.get(
    "/user", response_model=UserResponse, responses=errors(401), summary="Get the current user"
)
async def get_current_user(user: CurrentUser, settings: SettingsDep):
    return _user_response(vars(user), settings)


@router.put(
    "/user",
    response_model=UserResponse,
    responses=errors(401, 409, 422),
    summary="Update the current user",
)
async def update_current_user(
    payload: UserUpdateRequest, user: CurrentUser, db: Db, settings: SettingsDep
):
    changes = payload.user.model_dump(exclude_unset=True)
    if "password" in changes:
        changes["password_hash"] = await run_in_threadpool(hash_password, changes.pop("password"))
    for field in ("bio", "image"):
        if field in changes and not changes[field]:
            changes[field] = None  # "" means "clear it"
    with transaction(db):
        if conflicts := _taken_fields(db, changes.get("username"), changes.get("email"), user.id):
            raise taken(*conflicts)
        if changes:
            # Column names come from the validated model's fields, never from the client.
            assignments = ", ".join(f"{column} = :{column}" for column in changes)
            db.execute(f"UPDATE users SET {assignments} WHERE id = :id", {**changes, "id": user.id})
        row = db.execute(
            "SELECT id, username, email, bio, image FROM users WHERE id = ?", (user.id,)
        ).fetchone()
    return _user_response(row, settings)
