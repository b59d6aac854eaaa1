"""Profiles and following."""

import sqlite3

from fastapi import APIRouter

from ..db import transaction
from ..dependencies import OPTIONAL_AUTH, CurrentUser, Db, MaybeUser
from ..errors import not_found
from ..queries import find_profile
from ..schemas import ProfileResponse
from .responses import errors

router = APIRouter(prefix="/profiles/{username}", tags=["Profile"])


def _user_id(db: sqlite3.Connection, username: str) -> int:
    row = db.execute("SELECT id FROM users WHERE username = ?", (username,)).fetchone()
    if row is None:
        raise not_found("profile")
    return row["id"]


@router.get(
    "",
    response_model=ProfileResponse,
    responses=errors(401, 404),
    openapi_extra=OPTIONAL_AUTH,
    summary="Get a profile",
)
async def get_profile(username: str, db: Db, viewer: MaybeUser):
    return {"profile": find_profile(db, username, viewer.id if viewer else None)}


@router.post(
    "/follow", response_model=ProfileResponse, responses=errors(401, 404), summary="Follow a user"
)
async def follow(username: str, user: CurrentUser, db: Db):
    with transaction(db):
        followee = _user_id(db, username)
        db.execute(
            "INSERT OR IGNORE INTO follows (follower_id, followee_id) VALUES (?, ?)",
            (user.id, followee),
        )
    return {"profile": find_profile(db, username, user.id)}


@router.delete(
    "/follow", response_model=ProfileResponse, responses=errors(401, 404), summary="Unfollow a user"
)
async def unfollow(username: str, user: CurrentUser, db: Db):
    with transaction(db):
        followee = _user_id(db, username)
        db.execute(
            "DELETE FROM follows WHERE follower_id = ? AND followee_id = ?", (user.id, followee)
        )
    return {"profile": find_profile(db, username, user.id)}
