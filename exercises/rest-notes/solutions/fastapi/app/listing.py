"""GET /notes: query parameters checked by hand, a tag filter, sorting with ties broken by
id, offset pages and keyset cursors."""

import base64
import binascii
import json
import re
import sqlite3
from dataclasses import dataclass

from starlette.datastructures import QueryParams

from .db import COLUMNS, to_note
from .problems import Problem

PARAMETERS = ("limit", "offset", "cursor", "tag", "sort")
# sort value -> (column, direction). Only these strings ever reach the SQL.
SORTS = {
    "createdAt": ("created_at", "ASC"),
    "-createdAt": ("created_at", "DESC"),
    "title": ("title", "ASC"),
    "-title": ("title", "DESC"),
    "priority": ("priority", "ASC"),
    "-priority": ("priority", "DESC"),
}
DEFAULT_SORT = "-createdAt"
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
WHOLE_NUMBER = re.compile(r"-?[0-9]{1,30}")


@dataclass
class ListQuery:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    tag: str | None = None
    sort: str = DEFAULT_SORT
    after: tuple | None = None  # (sort value, id) of the last note of the previous page


def _bad(parameter: str, detail: str) -> Problem:
    return Problem(
        400, f"query parameter '{parameter}' {detail}", [{"parameter": parameter, "detail": detail}]
    )


def _whole_number(params: QueryParams, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not WHOLE_NUMBER.fullmatch(raw):
        raise _bad(name, f"must be a whole number, got {raw!r}")
    value = int(raw)
    if not low <= value <= high:
        raise _bad(name, f"must be between {low} and {high}, got {value}")
    return value


def encode_cursor(sort: str, row: sqlite3.Row) -> str:
    column, _ = SORTS[sort]
    raw = json.dumps({"s": sort, "v": row[column], "id": row["id"]}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        value, note_id = data["v"], data["id"]
        if data["s"] != sort:
            raise _bad("cursor", f"was made for sort={data['s']}, not sort={sort}")
        if not isinstance(note_id, int) or not isinstance(value, (int, str)):
            raise ValueError("not a cursor")
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise _bad("cursor", "is not a cursor this server made") from None
    return value, note_id


def parse(params: QueryParams) -> ListQuery:
    """The list's query, or a 400 problem naming the first parameter that is wrong."""
    for name in params:
        if name not in PARAMETERS:
            raise _bad(name, f"is unknown (this list knows {', '.join(PARAMETERS)})")
        if len(params.getlist(name)) > 1:
            raise _bad(name, "is given more than once")
    query = ListQuery(
        limit=_whole_number(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        offset=_whole_number(params, "offset", 0, 0, 10**18),
        tag=params.get("tag"),
        sort=params.get("sort", DEFAULT_SORT),
    )
    if query.sort not in SORTS:
        raise _bad("sort", f"must be one of {', '.join(SORTS)}, got {query.sort!r}")
    cursor = params.get("cursor")
    if cursor is not None:
        if "offset" in params:
            raise _bad("cursor", "cannot be combined with offset: a cursor already says where")
        query.after = _decode_cursor(cursor, query.sort)
    return query


def list_notes(conn: sqlite3.Connection, query: ListQuery) -> dict:
    where, args = [], []
    if query.tag is not None:
        where.append("EXISTS (SELECT 1 FROM json_each(notes.tags) WHERE json_each.value = ?)")
        args.append(query.tag)
    filtered = " AND ".join(where) or "1"
    total = conn.execute(f"SELECT COUNT(*) FROM notes WHERE {filtered}", args).fetchone()[0]

    column, direction = SORTS[query.sort]
    page_where, page_args = list(where), list(args)
    if query.after is not None:
        # Keyset pagination: continue strictly after the previous page's last note, in
        # (sort value, id) order, whatever was added or deleted meanwhile.
        page_where.append(f"({column}, id) {'>' if direction == 'ASC' else '<'} (?, ?)")
        page_args.extend(query.after)
    sql = (
        f"SELECT {COLUMNS} FROM notes WHERE {' AND '.join(page_where) or '1'} "
        f"ORDER BY {column} {direction}, id {direction} LIMIT ? OFFSET ?"
    )
    # One row more than the page: if it comes back, there is a next page.
    rows = conn.execute(sql, [*page_args, query.limit + 1, query.offset]).fetchall()
    page = rows[: query.limit]
    more = len(rows) > query.limit
    return {
        "items": [to_note(row) for row in page],
        "total": total,
        "nextCursor": encode_cursor(query.sort, page[-1]) if more else None,
    }
