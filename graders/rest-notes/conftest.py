"""Shared set-up for the notes graders (rest-notes).

Every note a check writes has a title (and tags) carrying the run's ``uid`` and a serial
number, so checks never depend on each other's notes or on what an earlier run left in the
database (``--url``). Set-up steps accept any 2xx answer: the exact status of a create is graded
by its own stage, not by every stage that merely needs a note.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from urllib.parse import urlsplit

import httpx
import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status

MERGE_PATCH = "application/merge-patch+json"
NOTE_FIELDS = ("id", "title", "body", "tags", "priority", "createdAt", "updatedAt")
EDITABLE = ("title", "body", "tags", "priority")
DEFAULTS = {"body": None, "tags": [], "priority": 3}
# A note id no server of this exercise hands out during a grading run.
UNKNOWN_ID = 987654321


def brief(resp: httpx.Response) -> str:
    """The status and the start of the body, for one-line set-up failure messages."""
    text = resp.text.replace("\n", " ")
    return f"{resp.status_code} {text[:160]!r}"


def media_type(resp: httpx.Response) -> str:
    return resp.headers.get("content-type", "").split(";")[0].strip().lower()


def parse_timestamp(stamp: object) -> datetime | None:
    """An ISO-8601 date and time WITH a time zone (``Z`` or an offset), or None."""
    if not isinstance(stamp, str) or "T" not in stamp.upper():
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def check_note(note: object, what: str = "the note") -> dict:
    """Every field of a note, each of its type; returns the note."""
    expect(isinstance(note, dict), f"expected {what} to be a JSON object, got {note!r:.120}")
    assert isinstance(note, dict)
    missing = [name for name in NOTE_FIELDS if name not in note]
    expect(
        not missing,
        f"expected {what} to have the fields {', '.join(NOTE_FIELDS)}; missing: "
        f"{', '.join(missing)} (got {note!r:.200})",
    )
    note_id = expect_field(note, "id", int)
    expect(note_id > 0, f"expected {what}.id to be a positive integer, got {note_id}")
    expect_field(note, "title", str)
    expect(
        note["body"] is None or isinstance(note["body"], str),
        f"expected {what}.body to be a string or null, got {note['body']!r:.80}",
    )
    tags = expect_field(note, "tags", list)
    expect(
        all(isinstance(tag, str) for tag in tags),
        f"expected {what}.tags to be a list of strings, got {tags!r:.120}",
    )
    expect_field(note, "priority", int)
    moments = {}
    for name in ("createdAt", "updatedAt"):
        moments[name] = parse_timestamp(note[name])
        expect(
            moments[name] is not None,
            f"expected {what}.{name} to be an ISO-8601 date and time with a time zone, like "
            f"2026-01-31T12:00:00.000Z, got {note[name]!r}",
        )
    expect(
        moments["updatedAt"] >= moments["createdAt"],
        f"expected {what}.updatedAt ({note['updatedAt']}) to be no earlier than its createdAt "
        f"({note['createdAt']})",
    )
    return note


def editable(note: dict) -> dict:
    """The fields a client sets, tags sorted (their order is not graded)."""
    return {
        "title": note.get("title"),
        "body": note.get("body"),
        "tags": sorted(note["tags"]) if isinstance(note.get("tags"), list) else note.get("tags"),
        "priority": note.get("priority"),
    }


def pointer_fields(problem: dict) -> set[str]:
    """The fields a 422 problem's ``errors`` name: the first part of each pointer after ``#/``
    (``#/tags/1`` names ``tags``)."""
    errors = problem.get("errors")
    found: set[str] = set()
    if not isinstance(errors, list):
        return found
    for item in errors:
        pointer = item.get("pointer") if isinstance(item, dict) else None
        if isinstance(pointer, str):
            parts = pointer.removeprefix("#").removeprefix("/").split("/")
            if parts and parts[0]:
                found.add(parts[0])
    return found


class Notes:
    """Set-up helpers and the checks every stage shares."""

    def __init__(self, api, uid: str) -> None:
        self.api = api
        self.uid = uid
        self._serial = itertools.count(1)

    def title(self, what: str = "Note") -> str:
        """A title unique to this run, e.g. ``Kiwi k3f9a2 7``."""
        return f"{what} {self.uid} {next(self._serial)}"

    def tag(self, what: str) -> str:
        """A tag unique to this run and call, e.g. ``t-k3f9a2-8``."""
        return f"{what}-{self.uid}-{next(self._serial)}"

    # -- set-up steps: any 2xx, the note back -----------------------------------------------

    def create(self, stage: str = "create-read", **fields: object) -> dict:
        """Create a note (a fresh title unless given); returns the note of the answer."""
        fields.setdefault("title", self.title())
        resp = self.api.post("/notes", json=fields)
        expect(
            200 <= resp.status_code < 300,
            f"setup: creating a note with POST /notes should succeed (see the {stage} stage), "
            f"got {brief(resp)}",
        )
        note = expect_json(resp)
        expect(
            isinstance(note, dict) and isinstance(note.get("id"), int),
            f"setup: POST /notes should answer the note with its integer id, got {brief(resp)}",
        )
        return note

    def read(self, note_id: int, stage: str = "create-read") -> httpx.Response:
        resp = self.api.get(f"/notes/{note_id}")
        expect(
            resp.status_code == 200,
            f"setup: GET /notes/{note_id} should answer 200 with the note (see the {stage} "
            f"stage), got {brief(resp)}",
        )
        return resp

    def etag(self, note_id: int) -> str:
        """The note's current ETag, from a GET."""
        resp = self.read(note_id)
        tag = resp.headers.get("etag")
        expect(
            bool(tag),
            f"setup: GET /notes/{note_id} should send an ETag header (see the conditional "
            "stage), got none",
        )
        return str(tag)

    def patch(self, note_id: int, patch: object, headers: dict | None = None) -> httpx.Response:
        """A JSON Merge Patch, sent as ``application/merge-patch+json``."""
        return self.api.patch(
            f"/notes/{note_id}",
            content=json.dumps(patch),
            headers={"Content-Type": MERGE_PATCH, **(headers or {})},
        )

    def edit(self, note_id: int, stage: str) -> None:
        """Change a note's body (a merge patch), so its updatedAt is the newest."""
        resp = self.patch(note_id, {"body": "Edited after the others were written"})
        expect(
            200 <= resp.status_code < 300,
            f"setup: PATCH /notes/{note_id} should succeed (see the update-delete stage, "
            f"needed for {stage}), got {brief(resp)}",
        )

    def delete(self, note_id: int, stage: str) -> None:
        resp = self.api.delete(f"/notes/{note_id}")
        expect(
            200 <= resp.status_code < 300,
            f"setup: DELETE /notes/{note_id} should succeed (see the update-delete stage, "
            f"needed for {stage}), got {brief(resp)}",
        )

    def listing(self, query: str = "", what: str | None = None) -> dict:
        """``GET /notes{query}``: 200 and ``{"items": [notes], "total": n}``."""
        resp = self.api.get(f"/notes{query}")
        expect_status(resp, 200)
        body = expect_json(resp)
        expect(isinstance(body, dict), f"expected GET /notes{query} to answer a JSON object")
        items = expect_field(body, "items", list)
        total = expect_field(body, "total", int)
        for i, item in enumerate(items):
            check_note(item, what=f"items[{i}] of GET /notes{query}")
        expect(
            total >= len(items),
            f"expected total ({total}) for GET /notes{query} to count every match, at least "
            f"the {len(items)} items of this page",
        )
        return body

    # -- shared checks ----------------------------------------------------------------------

    def check_problem(self, resp: httpx.Response, status: int | tuple[int, ...]) -> dict:
        """An RFC 9457 problem: the status, ``application/problem+json``, and ``type``,
        ``title``, ``detail`` (strings) and ``status`` (the number); returns the body."""
        expect_status(resp, status)
        req = resp.request
        where = f"{req.method} {req.url.raw_path.decode()}"
        expect(
            media_type(resp) == "application/problem+json",
            f"expected Content-Type application/problem+json for the {resp.status_code} of "
            f"{where} (an RFC 9457 problem), got {resp.headers.get('content-type')!r}",
        )
        body = expect_json(resp)
        expect(isinstance(body, dict), f"expected the problem of {where} to be a JSON object")
        for name in ("type", "title", "detail"):
            expect_field(body, name, str)
        got = expect_field(body, "status", int)
        expect_equal(got, resp.status_code, f"the problem's status (the HTTP status) of {where}")
        return body

    def check_invalid(self, resp: httpx.Response, fields: set[str], what: str) -> None:
        """A 422 problem whose ``errors`` point at exactly ``fields``."""
        body = self.check_problem(resp, 422)
        named = pointer_fields(body)
        expect(
            named == fields,
            f"expected the 422 problem for {what} to list errors with pointers to "
            f"{', '.join(f'#/{f}' for f in sorted(fields))} (and no other field), got "
            f"{sorted(named) or 'none'} in {json.dumps(body.get('errors'))[:200]}",
        )

    def check_bad_parameter(self, resp: httpx.Response, name: str, what: str) -> None:
        """A 400 (or 422) problem whose text names the query parameter ``name``."""
        body = self.check_problem(resp, (400, 422))
        text = json.dumps(body)
        expect(
            name in text,
            f"expected the problem for {what} to name the parameter {name!r} (in its detail "
            f"or errors), got {text[:200]}",
        )

    def check_unchanged(self, note: dict, what: str) -> None:
        """A GET still shows ``note``'s editable fields."""
        now = expect_json(self.read(note["id"]))
        expect_equal(editable(now), editable(note), f"the note after {what} (nothing changes)")


def location_path(resp: httpx.Response) -> str | None:
    """The path of the Location header, resolved against the request's URL."""
    location = resp.headers.get("location")
    if not location:
        return None
    resolved = httpx.URL(str(resp.request.url)).join(location)
    return urlsplit(str(resolved)).path


@pytest.fixture(scope="session")
def notes(api, uid) -> Notes:
    """Set-up helpers bound to this run's client and uid."""
    return Notes(api, uid)
