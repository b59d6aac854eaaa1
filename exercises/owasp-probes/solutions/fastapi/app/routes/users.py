"""Accounts: register, log in, your own profile, other people's public profiles, the admin list.

Request bodies are bound to models that list the fields a client may set: anything else in
the JSON (role, is_admin, id, password_hash...) never reaches the database. Responses are
built field by field: a password hash cannot leak through a SELECT *.
"""

import sqlite3

from fastapi import APIRouter, Request
from pydantic import BaseModel

from .. import config, ratelimit
from ..errors import ApiError, forbidden, not_found, unprocessable
from ..security import DUMMY_HASH, CurrentUser, Db, hash_password, new_session, verify_password
from .documents import document_json

router = APIRouter()


class Registration(BaseModel):
    email: str | None = None
    password: str | None = None
    name: str | None = None


class Login(BaseModel):
    email: str | None = None
    password: str | None = None


class ProfileUpdate(BaseModel):
    name: str | None = None


def account_json(row) -> dict:
    """What users see of themselves (and the admin of everyone)."""
    return {"id": row["id"], "email": row["email"], "name": row["name"], "role": row["role"]}


def profile_json(row) -> dict:
    """What anyone signed in sees of another user."""
    return {"id": row["id"], "name": row["name"]}


@router.post("/users", status_code=201)
def register(body: Registration, db: Db) -> dict:
    for field in ("email", "password", "name"):
        value = getattr(body, field)
        if value is None or not value.strip():
            raise unprocessable(field)
    assert body.email and body.password and body.name
    if len(body.password) < 8:
        raise unprocessable("password", "is too short (minimum is 8 characters)")
    email = body.email.strip().lower()
    try:
        cursor = db.execute(
            "INSERT INTO users (email, name, password_hash) VALUES (?, ?, ?)",
            (email, body.name.strip(), hash_password(body.password)),
        )
    except sqlite3.IntegrityError:
        raise ApiError(409, {"email": ["has already been taken"]}) from None
    row = db.execute("SELECT * FROM users WHERE id = ?", (cursor.lastrowid,)).fetchone()
    return {"user": account_json(row), "token": new_session(db, row["id"])}


@router.post("/login")
def login(body: Login, request: Request, db: Db) -> dict:
    client = request.client.host if request.client else "unknown"
    ratelimit.hit(f"login:{client}", config.LOGIN_LIMIT)
    email = (body.email or "").strip().lower()
    row = db.execute("SELECT * FROM users WHERE email = ?", (email,)).fetchone()
    ok = verify_password(body.password or "", row["password_hash"] if row else DUMMY_HASH)
    if row is None or not ok:
        raise ApiError(401, {"credentials": ["invalid email or password"]})
    return {"user": account_json(row), "token": new_session(db, row["id"])}


@router.get("/me")
def me(user: CurrentUser, db: Db) -> dict:
    row = db.execute("SELECT * FROM users WHERE id = ?", (user.id,)).fetchone()
    return {"user": account_json(row)}


@router.patch("/me")
def update_me(body: ProfileUpdate, user: CurrentUser, db: Db) -> dict:
    if body.name is not None:
        if not body.name.strip():
            raise unprocessable("name")
        db.execute("UPDATE users SET name = ? WHERE id = ?", (body.name.strip(), user.id))
    return me(user, db)


@router.get("/users/{user_id}")
def profile(user_id: int, user: CurrentUser, db: Db) -> dict:
    row = db.execute("SELECT id, name FROM users WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        raise not_found("user")
    return {"user": profile_json(row)}


@router.get("/users/{user_id}/documents")
def documents_of(user_id: int, user: CurrentUser, db: Db) -> dict:
    if user_id != user.id:
        raise forbidden("documents")
    rows = db.execute(
        "SELECT * FROM documents WHERE owner_id = ? ORDER BY created_at DESC, id DESC", (user.id,)
    )
    return {"documents": [document_json(r) for r in rows]}


@router.get("/admin/users")
def all_users(user: CurrentUser, db: Db) -> dict:
    if user.role != "admin":
        raise forbidden("admin")
    rows = db.execute("SELECT * FROM users ORDER BY id")
    return {"users": [account_json(r) for r in rows]}
