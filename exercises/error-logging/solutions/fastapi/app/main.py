"""A small shop API whose errors and logs you can rely on.

Run it: export PORT=8000; python -m app
"""

import hashlib
import hmac
import logging
import secrets
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Header
from pydantic import BaseModel, Field

from . import db, problems
from .middleware import RequestContext
from .problems import Problem

log = logging.getLogger("app")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    db.init_schema()
    yield


app = FastAPI(title="Shop", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
problems.install(app)
app.add_middleware(RequestContext)


class Credentials(BaseModel):
    username: str = Field(pattern=r"^[A-Za-z0-9_.-]{3,40}$")
    password: str = Field(min_length=8, max_length=200)


class Payment(BaseModel):
    card_number: str = Field(pattern=r"^[0-9]{12,19}$")
    cvc: str = Field(pattern=r"^[0-9]{3,4}$")


class NewOrder(BaseModel):
    item: str = Field(min_length=1, max_length=100)
    quantity: int = Field(ge=1, le=99, strict=True)
    payment: Payment


def require_json(content_type: Annotated[str | None, Header()] = None) -> None:
    """415 unless the body is sent as JSON."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise Problem(415, f"send the body as application/json, not {media or 'no type'}")


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"{salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    salt, _ = stored.split("$", 1)
    return hmac.compare_digest(hash_password(password, bytes.fromhex(salt)), stored)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def current_user(authorization: Annotated[str | None, Header()] = None) -> int:
    """The id of the user whose token came as ``Authorization: Bearer <token>``, else 401."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "send your token as Authorization: Bearer <token>")
    conn = db.connect()
    try:
        row = conn.execute(
            "SELECT user_id FROM tokens WHERE token_hash = ?", (token_hash(token.strip()),)
        ).fetchone()
    finally:
        conn.close()
    if row is None:
        raise Problem(401, "the token is not valid")
    return int(row["user_id"])


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


@app.post("/users", status_code=201, dependencies=[Depends(require_json)])
def register(body: Credentials) -> dict:
    conn = db.connect()
    try:
        cur = conn.execute(
            "INSERT INTO users (username, password_hash) VALUES (?, ?)",
            (body.username, hash_password(body.password)),
        )
    except sqlite3.IntegrityError:
        raise Problem(409, f"the username {body.username!r} is taken") from None
    finally:
        conn.close()
    log.info("user registered", extra={"fields": {"user_id": cur.lastrowid}})
    return {"id": cur.lastrowid, "username": body.username}


@app.post("/login", dependencies=[Depends(require_json)])
def login(body: Credentials) -> dict:
    conn = db.connect()
    try:
        row = conn.execute(
            "SELECT id, password_hash FROM users WHERE username = ?", (body.username,)
        ).fetchone()
        if row is None or not password_matches(body.password, row["password_hash"]):
            raise Problem(401, "wrong username or password")
        token = secrets.token_urlsafe(32)
        conn.execute(
            "INSERT INTO tokens (token_hash, user_id) VALUES (?, ?)", (token_hash(token), row["id"])
        )
    finally:
        conn.close()
    return {"token": token}


@app.post("/orders", status_code=201, dependencies=[Depends(require_json)])
def place_order(body: NewOrder, user: Annotated[int, Depends(current_user)]) -> dict:
    conn = db.connect()
    try:
        cur = conn.execute(
            "INSERT INTO orders (user_id, item, quantity, card_last4, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (user, body.item, body.quantity, body.payment.card_number[-4:], db.utc_now()),
        )
        row = conn.execute("SELECT * FROM orders WHERE id = ?", (cur.lastrowid,)).fetchone()
    finally:
        conn.close()
    log.info("order placed", extra={"fields": {"order_id": row["id"], "user_id": user}})
    return db.to_order(row)


@app.get("/orders")
def list_orders(user: Annotated[int, Depends(current_user)]) -> dict:
    conn = db.connect()
    try:
        rows = conn.execute(
            "SELECT * FROM orders WHERE user_id = ? ORDER BY id", (user,)
        ).fetchall()
    finally:
        conn.close()
    return {"orders": [db.to_order(row) for row in rows]}


@app.get("/orders/{order_id}")
def get_order(order_id: int, user: Annotated[int, Depends(current_user)]) -> dict:
    conn = db.connect()
    try:
        row = conn.execute(
            "SELECT * FROM orders WHERE id = ? AND user_id = ?", (order_id, user)
        ).fetchone()
    finally:
        conn.close()
    if row is None:  # someone else's order is none of your business: the same 404
        raise Problem(404, f"you have no order {order_id}")
    return db.to_order(row)


@app.get("/boom")
def boom() -> dict:
    """A deliberate bug, kept on purpose: the grader calls it to see what your server does
    with an exception nobody expected. Leave it failing; handle what it raises."""
    archive = Path(db.DATABASE_PATH).resolve().with_suffix(".archive")
    return {"archived": archive.read_text()}  # FileNotFoundError: the archive was never made
