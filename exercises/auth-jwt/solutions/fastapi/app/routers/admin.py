"""Routes for admins only: the role check runs for every route of this router."""

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from .. import config
from ..auth import Db, User, require_role
from ..db import transaction
from ..errors import not_found, unprocessable

Admin = Annotated[User, Depends(require_role("admin"))]
router = APIRouter(prefix="/admin")


class RoleIn(BaseModel):
    role: str | None = None


@router.get("/users")
def list_users(admin: Admin, db: Db) -> dict:
    rows = db.execute("SELECT id, email, role FROM users ORDER BY id").fetchall()
    return {"users": [dict(row) for row in rows]}


@router.put("/users/{user_id}/role")
def set_role(user_id: int, body: RoleIn, admin: Admin, db: Db) -> dict:
    if body.role not in config.ROLES:
        raise unprocessable("role", f"must be one of {', '.join(config.ROLES)}")
    with transaction(db):
        changed = db.execute("UPDATE users SET role = ? WHERE id = ?", (body.role, user_id))
    if changed.rowcount == 0:
        raise not_found("user")
    row = db.execute("SELECT id, email, role FROM users WHERE id = ?", (user_id,)).fetchone()
    return {"user": dict(row)}
