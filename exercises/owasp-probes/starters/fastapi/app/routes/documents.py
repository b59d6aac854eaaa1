"""Documents and their comments, search and sort, an export and an import from a URL."""

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Body, Response

from .. import fetch
from ..errors import ApiError, not_found, unprocessable
from ..security import CurrentUser, Db

router = APIRouter()

# A request's JSON body, whatever it holds.
JsonBody = Annotated[dict, Body()]

DOCUMENT_COLUMNS = ("id", "owner_id", "title", "body", "source_url", "created_at")
COMMENT_COLUMNS = ("id", "document_id", "author_id", "body", "created_at")


def find(db: Db, doc_id: int) -> dict:
    row = db.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
    if row is None:
        raise not_found("document")
    return dict(row)


def insert(db: Db, table: str, row: dict) -> dict:
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    cursor = db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(row.values()))
    return dict(db.execute(f"SELECT * FROM {table} WHERE id = ?", (cursor.lastrowid,)).fetchone())


@router.get("/documents")
def list_documents(
    user: CurrentUser,
    db: Db,
    q: str | None = None,
    sort: str = "-created_at",
    owner: str | None = None,
) -> dict:
    # ?owner= picks whose documents to list; yours by default.
    sql = f"SELECT * FROM documents WHERE owner_id = {owner or user.id}"
    if q:
        sql += f" AND (title LIKE '%{q}%' OR body LIKE '%{q}%')"
    direction = "DESC" if sort.startswith("-") else "ASC"
    sql += f" ORDER BY {sort.lstrip('-')} {direction}, id {direction}"
    return {"documents": [dict(r) for r in db.execute(sql)]}


@router.post("/documents", status_code=201)
def create_document(user: CurrentUser, db: Db, body: JsonBody) -> dict:
    if not str(body.get("title") or "").strip():
        raise unprocessable("title")
    row = {"owner_id": user.id, "body": ""}
    row.update({key: value for key, value in body.items() if key in DOCUMENT_COLUMNS})
    return {"document": insert(db, "documents", row)}


@router.get("/documents/export")
def export(user: CurrentUser, db: Db) -> dict:
    rows = db.execute("SELECT * FROM documents WHERE owner_id = ? ORDER BY id", (user.id,))
    return {"documents": [dict(r) for r in rows]}


@router.post("/documents/import", status_code=201)
def import_document(user: CurrentUser, db: Db, body: JsonBody) -> dict:
    url = str(body.get("url") or "").strip()
    if not url:
        raise unprocessable("url")
    try:
        text = fetch.fetch(url)
    except fetch.Refused as exc:
        raise unprocessable("url", str(exc)) from None
    except fetch.FetchFailed as exc:
        raise ApiError(502, {"url": [str(exc)]}) from None
    parts = urlsplit(url)
    last = [p for p in parts.path.split("/") if p]
    title = str(body.get("title") or "").strip() or (last[-1] if last else parts.hostname or url)
    row = {"owner_id": user.id, "title": title, "body": text, "source_url": url}
    return {"document": insert(db, "documents", row)}


@router.get("/documents/{doc_id}")
def get_document(doc_id: int, user: CurrentUser, db: Db) -> dict:
    return {"document": find(db, doc_id)}


@router.patch("/documents/{doc_id}")
def update_document(doc_id: int, user: CurrentUser, db: Db, body: JsonBody) -> dict:
    find(db, doc_id)
    if "title" in body and not str(body["title"] or "").strip():
        raise unprocessable("title")
    for key, value in body.items():
        if key in DOCUMENT_COLUMNS:
            db.execute(f"UPDATE documents SET {key} = ? WHERE id = ?", (value, doc_id))
    return {"document": find(db, doc_id)}


@router.delete("/documents/{doc_id}", status_code=204)
def delete_document(doc_id: int, user: CurrentUser, db: Db) -> Response:
    find(db, doc_id)
    db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
    return Response(status_code=204)


@router.get("/documents/{doc_id}/comments")
def list_comments(doc_id: int, user: CurrentUser, db: Db) -> dict:
    find(db, doc_id)
    rows = db.execute("SELECT * FROM comments WHERE document_id = ? ORDER BY id", (doc_id,))
    return {"comments": [dict(r) for r in rows]}


@router.post("/documents/{doc_id}/comments", status_code=201)
def add_comment(doc_id: int, user: CurrentUser, db: Db, body: JsonBody) -> dict:
    find(db, doc_id)
    if not str(body.get("body") or "").strip():
        raise unprocessable("body")
    row = {"document_id": doc_id, "author_id": user.id}
    row.update({key: value for key, value in body.items() if key in COMMENT_COLUMNS})
    return {"comment": insert(db, "comments", row)}
