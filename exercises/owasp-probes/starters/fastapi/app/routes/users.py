"""Accounts: sign up, log in, your own profile, other people's profiles, the admin list."""

import sqlite3
from typing import Annotated

from fastapi import APIRouter, Body

from ..errors import ApiError, forbidden, not_found, unprocessable
from ..security import DUMMY_HASH, CurrentUser, Db, hash_password, new_session, verify_password

router = APIRouter()

# A request's JSON body, whatever it holds.
JsonBody = Annotated[dict, Body()]

USER_COLUMNS = ("id", "email", "name", "password_hash", "role")


@router.post("/users", status_code=201)
def register(db: Db, body: JsonBody) -> dict:
    for field in ("email", "password", "name"):
        value = body.get(field)
        if not isinstance(value, str) or not value.strip():
            raise unprocessable(field)
    if len(body["password"]) < 8:
        raise unprocessable("password", "is too short (minimum is 8 characters)")
    # Everything the client sent that has a column, plus the email and the password's hash.
    row = {key: value for key, value in body.items() if key in USER_COLUMNS}
    row["email"] = body["email"].strip().lower()
    row["password_hash"] = hash_password(body["password"])
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    try:
        cursor = db.execute(f"INSERT INTO users ({columns}) VALUES ({marks})", tuple(row.values()))
    except sqlite3.IntegrityError:
        raise ApiError(409, {"email": ["has already been taken"]}) from None
    user = db.execute("SELECT * FROM users WHERE id = ?", (cursor.lastrowid,)).fetchone()
    return {"user": dict(user), "token": new_session(db, user["id"])}


@router.post("/login")
def login(db: Db, body: JsonBody) -> dict:
    email = str(body.get("email") or "").strip().lower()
    row = db.execute(f"SELECT * FROM users WHERE email = '{email}'").fetchone()
    password = str(body.get("password") or "")
    ok = verify_password(password, row["password_hash"] if row else DUMMY_HASH)
    if row is None or not ok:
        raise ApiError(401, {"credentials": ["invalid email or password"]})
    return {"user": dict(row), "token": new_session(db, row["id"])}


@router.get("/me")
def me(user: CurrentUser, db: Db) -> dict:
    row = db.execute("SELECT * FROM users WHERE id = ?", (user.id,)).fetchone()
    return {"user": dict(row)}


@router.patch("/me")
def update_me(user: CurrentUser, db: Db, body: JsonBody) -> dict:
    if "name" in body and not str(body["name"] or "").strip():
        raise unprocessable("name")
    for key, value in body.items():
        if key in USER_COLUMNS:
            db.execute(f"UPDATE users SET {key} = ? WHERE id = ?", (value, user.id))
    return me(user, db)


@router.get("/users/{user_id}")
def profile(user_id: int, user: CurrentUser, db: Db) -> dict:
    row = db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        raise not_found("user")
    return {"user": dict(row)}


@router.get("/users/{user_id}/documents")
def documents_of(user_id: int, user: CurrentUser, db: Db) -> dict:
    rows = db.execute(
        "SELECT * FROM documents WHERE owner_id = ? ORDER BY created_at DESC, id DESC", (user_id,)
    )
    return {"documents": [dict(r) for r in rows]}


@router.get("/admin/users")
def all_users(user: CurrentUser, db: Db) -> dict:
    if user.role != "admin":
        raise forbidden("admin")
    rows = db.execute("SELECT * FROM users ORDER BY id")
    return {"users": [dict(r) for r in rows]}
