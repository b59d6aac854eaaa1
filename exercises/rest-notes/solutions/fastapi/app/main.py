"""Notes: one REST resource, done right.

Run it: export PORT=8000; python -m uvicorn app.main:app --host 127.0.0.1 --port $PORT
"""

import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Path, Request, Response
from fastapi.responses import JSONResponse

from . import db, listing, problems
from .problems import Problem
from .validation import JSON, MERGE_PATCH, merge_patch, read_json, validate_note

NoteId = Annotated[int, Path(ge=1, le=2**63 - 1)]  # anything else names no note (404)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    db.init_schema()
    yield


app = FastAPI(title="Notes", lifespan=lifespan, docs_url=None, redoc_url=None)
problems.install(app)


def note_response(row: sqlite3.Row, status: int = 200, headers: dict | None = None) -> Response:
    """The note as JSON, with its ETag (and any other headers)."""
    return JSONResponse(
        db.to_note(row), status_code=status, headers={"ETag": db.etag(row), **(headers or {})}
    )


def _etags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def check_if_match(request: Request, row: sqlite3.Row) -> None:
    """412 unless If-Match is absent, '*', or names the current ETag (strong comparison:
    a weak W/ tag never matches)."""
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return
    current = db.etag(row)
    if current not in _etags(header):
        raise Problem(
            412, f"note {row['id']} has changed since you read it (its ETag is now {current})"
        )


def not_found(note_id: int) -> Problem:
    return Problem(404, f"note {note_id} does not exist")


def taken(title: str) -> Problem:
    return Problem(409, f"another note already has the title {title!r}")


@app.post("/notes")
async def create_note(request: Request) -> Response:
    note = validate_note(await read_json(request, JSON))
    now = db.utc_now()
    conn = db.connect()
    try:
        with db.transaction(conn):
            cur = conn.execute(
                "INSERT INTO notes (title, body, tags, priority, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (note["title"], note["body"], json.dumps(note["tags"]), note["priority"], now, now),
            )
            row = db.get_row(conn, cur.lastrowid)
    except sqlite3.IntegrityError:
        raise taken(note["title"]) from None
    finally:
        conn.close()
    return note_response(row, 201, {"Location": f"/notes/{row['id']}"})


@app.get("/notes")
def list_notes(request: Request) -> dict:
    query = listing.parse(request.query_params)
    conn = db.connect()
    try:
        return listing.list_notes(conn, query)
    finally:
        conn.close()


@app.get("/notes/{note_id}")
def read_note(note_id: NoteId, request: Request) -> Response:
    conn = db.connect()
    try:
        row = db.get_row(conn, note_id)
    finally:
        conn.close()
    if row is None:
        raise not_found(note_id)
    etag = db.etag(row)
    wanted = request.headers.get("if-none-match")
    if wanted is not None:
        # Weak comparison: W/"7-3" matches "7-3" here.
        seen = [tag.removeprefix("W/") for tag in _etags(wanted)]
        if "*" in seen or etag in seen:
            return Response(status_code=304, headers={"ETag": etag})
    return note_response(row)


def _store(note_id: int, note: dict | None, request: Request, patch: object = None) -> Response:
    """Replace note ``note_id`` with ``note`` (a PUT), or with the stored note merged with
    ``patch`` (a PATCH), once If-Match allows it: read, check and write in one transaction."""
    conn = db.connect()
    try:
        with db.transaction(conn):
            row = db.get_row(conn, note_id)
            if row is None:
                raise not_found(note_id)
            check_if_match(request, row)
            if note is None:
                current = db.to_note(row)
                editable = {k: current[k] for k in ("title", "body", "tags", "priority")}
                note = validate_note(merge_patch(editable, patch))
            conn.execute(
                "UPDATE notes SET title = ?, body = ?, tags = ?, priority = ?, "
                "version = version + 1, updated_at = ? WHERE id = ?",
                (
                    note["title"],
                    note["body"],
                    json.dumps(note["tags"]),
                    note["priority"],
                    max(db.utc_now(), row["updated_at"]),
                    note_id,
                ),
            )
            row = db.get_row(conn, note_id)
    except sqlite3.IntegrityError:
        raise taken(note["title"]) from None
    finally:
        conn.close()
    return note_response(row)


@app.put("/notes/{note_id}")
async def replace_note(note_id: NoteId, request: Request) -> Response:
    note = validate_note(await read_json(request, JSON))
    return _store(note_id, note, request)


@app.patch("/notes/{note_id}")
async def patch_note(note_id: NoteId, request: Request) -> Response:
    patch = await read_json(request, MERGE_PATCH)
    return _store(note_id, None, request, patch)


@app.delete("/notes/{note_id}", status_code=204)
def delete_note(note_id: NoteId, request: Request) -> Response:
    conn = db.connect()
    try:
        with db.transaction(conn):
            row = db.get_row(conn, note_id)
            if row is None:
                raise not_found(note_id)
            check_if_match(request, row)
            conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
    finally:
        conn.close()
    return Response(status_code=204)
