"""Documents and their comments: every query is scoped to the signed-in user.

A document that is not yours answers 404, exactly like one that does not exist: nobody learns
what ids other people have, and guessing them gets nowhere.
"""

import sqlite3
from urllib.parse import urlsplit

from fastapi import APIRouter, Response
from pydantic import BaseModel

from .. import config, fetch, ratelimit
from ..errors import ApiError, forbidden, not_found, unprocessable
from ..security import CurrentUser, Db

router = APIRouter()

# The only sort orders there are. The client picks a key; the SQL is ours.
SORTS = {
    "title": "title ASC, id ASC",
    "-title": "title DESC, id DESC",
    "created_at": "created_at ASC, id ASC",
    "-created_at": "created_at DESC, id DESC",
}


class DocumentIn(BaseModel):
    title: str | None = None
    body: str | None = None


class CommentIn(BaseModel):
    body: str | None = None


class ImportIn(BaseModel):
    url: str | None = None
    title: str | None = None


def document_json(row) -> dict:
    return {
        "id": row["id"],
        "owner_id": row["owner_id"],
        "title": row["title"],
        "body": row["body"],
        "source_url": row["source_url"],
        "created_at": row["created_at"],
    }


def comment_json(row) -> dict:
    return {
        "id": row["id"],
        "document_id": row["document_id"],
        "author_id": row["author_id"],
        "body": row["body"],
        "created_at": row["created_at"],
    }


def owned(db: sqlite3.Connection, doc_id: int, user_id: int) -> sqlite3.Row:
    row = db.execute(
        "SELECT * FROM documents WHERE id = ? AND owner_id = ?", (doc_id, user_id)
    ).fetchone()
    if row is None:
        raise not_found("document")
    return row


def _insert(db: sqlite3.Connection, owner_id: int, title: str, body: str, url: str | None) -> dict:
    cursor = db.execute(
        "INSERT INTO documents (owner_id, title, body, source_url) VALUES (?, ?, ?, ?)",
        (owner_id, title, body, url),
    )
    row = db.execute("SELECT * FROM documents WHERE id = ?", (cursor.lastrowid,)).fetchone()
    return {"document": document_json(row)}


@router.get("/documents")
def list_documents(
    user: CurrentUser,
    db: Db,
    q: str | None = None,
    sort: str = "-created_at",
    owner: str | None = None,
) -> dict:
    order = SORTS.get(sort)
    if order is None:
        raise unprocessable("sort", f"must be one of {', '.join(SORTS)}")
    if owner is not None and owner != str(user.id):
        raise forbidden("owner")
    sql = "SELECT * FROM documents WHERE owner_id = ?"
    params: list = [user.id]
    if q:
        # instr() finds the text as it is: no quoting to get wrong, no LIKE wildcards
        sql += " AND (instr(lower(title), lower(?)) > 0 OR instr(lower(body), lower(?)) > 0)"
        params += [q, q]
    rows = db.execute(f"{sql} ORDER BY {order}", params)
    return {"documents": [document_json(r) for r in rows]}


@router.post("/documents", status_code=201)
def create_document(body: DocumentIn, user: CurrentUser, db: Db) -> dict:
    if body.title is None or not body.title.strip():
        raise unprocessable("title")
    return _insert(db, user.id, body.title, body.body or "", None)


@router.get("/documents/export")
def export(user: CurrentUser, db: Db) -> dict:
    ratelimit.hit(f"export:{user.id}", config.EXPORT_LIMIT)
    rows = db.execute("SELECT * FROM documents WHERE owner_id = ? ORDER BY id", (user.id,))
    return {"documents": [document_json(r) for r in rows]}


@router.post("/documents/import", status_code=201)
def import_document(body: ImportIn, user: CurrentUser, db: Db) -> dict:
    if body.url is None or not body.url.strip():
        raise unprocessable("url")
    try:
        text = fetch.fetch(body.url)
    except fetch.Refused as exc:
        raise unprocessable("url", str(exc)) from None
    except fetch.FetchFailed as exc:
        raise ApiError(502, {"url": [str(exc)]}) from None
    title = (body.title or "").strip() or _title_from(body.url)
    return _insert(db, user.id, title, text, body.url.strip())


def _title_from(url: str) -> str:
    parts = urlsplit(url.strip())
    last = [p for p in parts.path.split("/") if p]
    return last[-1] if last else (parts.hostname or "imported")


@router.get("/documents/{doc_id}")
def get_document(doc_id: int, user: CurrentUser, db: Db) -> dict:
    return {"document": document_json(owned(db, doc_id, user.id))}


@router.patch("/documents/{doc_id}")
def update_document(doc_id: int, body: DocumentIn, user: CurrentUser, db: Db) -> dict:
    row = owned(db, doc_id, user.id)
    if body.title is not None and not body.title.strip():
        raise unprocessable("title")
    db.execute(
        "UPDATE documents SET title = ?, body = ? WHERE id = ? AND owner_id = ?",
        (
            row["title"] if body.title is None else body.title,
            row["body"] if body.body is None else body.body,
            doc_id,
            user.id,
        ),
    )
    return {"document": document_json(owned(db, doc_id, user.id))}


@router.delete("/documents/{doc_id}", status_code=204)
def delete_document(doc_id: int, user: CurrentUser, db: Db) -> Response:
    owned(db, doc_id, user.id)
    db.execute("DELETE FROM documents WHERE id = ? AND owner_id = ?", (doc_id, user.id))
    return Response(status_code=204)


@router.get("/documents/{doc_id}/comments")
def list_comments(doc_id: int, user: CurrentUser, db: Db) -> dict:
    owned(db, doc_id, user.id)
    rows = db.execute("SELECT * FROM comments WHERE document_id = ? ORDER BY id", (doc_id,))
    return {"comments": [comment_json(r) for r in rows]}


@router.post("/documents/{doc_id}/comments", status_code=201)
def add_comment(doc_id: int, body: CommentIn, user: CurrentUser, db: Db) -> dict:
    owned(db, doc_id, user.id)
    if body.body is None or not body.body.strip():
        raise unprocessable("body")
    cursor = db.execute(
        "INSERT INTO comments (document_id, author_id, body) VALUES (?, ?, ?)",
        (doc_id, user.id, body.body),
    )
    row = db.execute("SELECT * FROM comments WHERE id = ?", (cursor.lastrowid,)).fetchone()
    return {"comment": comment_json(row)}
