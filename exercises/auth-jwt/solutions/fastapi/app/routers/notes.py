"""Notes: owners do anything with their own; editors read and change all; admins also delete."""

import sqlite3

from fastapi import APIRouter, Response
from pydantic import BaseModel

from ..auth import CurrentUser, Db, User
from ..db import transaction
from ..errors import forbidden, not_found, unprocessable

router = APIRouter(prefix="/notes")


class NoteIn(BaseModel):
    title: str | None = None
    body: str | None = None


def _sees_all(user: User) -> bool:
    return user.role in ("editor", "admin")


def _note(row: sqlite3.Row) -> dict:
    return {key: row[key] for key in ("id", "owner_id", "title", "body")}


def _visible(db: sqlite3.Connection, note_id: int, user: User) -> sqlite3.Row:
    """The note, if ``user`` may see it; otherwise 404, as if it did not exist."""
    row = db.execute(
        "SELECT * FROM notes WHERE id = ? AND (owner_id = ? OR ?)",
        (note_id, user.id, _sees_all(user)),
    ).fetchone()
    if row is None:
        raise not_found("note")
    return row


@router.post("", status_code=201)
def create_note(body: NoteIn, user: CurrentUser, db: Db) -> dict:
    for field in ("title", "body"):
        value = getattr(body, field)
        if value is None or not value.strip():
            raise unprocessable(field)
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO notes (owner_id, title, body) VALUES (?, ?, ?)",
            (user.id, body.title, body.body),
        )
    note = {"id": cursor.lastrowid, "owner_id": user.id, "title": body.title, "body": body.body}
    return {"note": note}


@router.get("")
def list_notes(user: CurrentUser, db: Db) -> dict:
    if _sees_all(user):
        rows = db.execute("SELECT * FROM notes ORDER BY id").fetchall()
    else:
        rows = db.execute(
            "SELECT * FROM notes WHERE owner_id = ? ORDER BY id", (user.id,)
        ).fetchall()
    return {"notes": [_note(row) for row in rows]}


@router.get("/{note_id}")
def get_note(note_id: int, user: CurrentUser, db: Db) -> dict:
    return {"note": _note(_visible(db, note_id, user))}


@router.put("/{note_id}")
def update_note(note_id: int, body: NoteIn, user: CurrentUser, db: Db) -> dict:
    changes = body.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is None or not value.strip():
            raise unprocessable(field)
    with transaction(db):
        row = _visible(db, note_id, user)
        note = {**_note(row), **changes}
        db.execute(
            "UPDATE notes SET title = ?, body = ? WHERE id = ?",
            (note["title"], note["body"], note_id),
        )
    return {"note": note}


@router.delete("/{note_id}", status_code=204)
def delete_note(note_id: int, user: CurrentUser, db: Db) -> Response:
    with transaction(db):
        row = _visible(db, note_id, user)
        if row["owner_id"] != user.id and user.role != "admin":
            raise forbidden("note")
        db.execute("DELETE FROM notes WHERE id = ?", (note_id,))
    return Response(status_code=204)
