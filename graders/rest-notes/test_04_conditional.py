"""Stage conditional: strong ETags, If-None-Match (304) and If-Match (412): no lost updates."""

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from conftest import MERGE_PATCH, editable

from learnpath.grading.checks import expect, expect_equal, expect_json, expect_status

# RFC 9110 entity-tag: an optional W/ and a quoted string of visible characters.
ETAG = re.compile(r'(W/)?"[\x21\x23-\x7e\x80-\xff]*"')
WRITERS = 8
ROUNDS = 3


def _etag(resp: httpx.Response, what: str) -> str:
    tag = resp.headers.get("etag")
    expect(tag is not None, f"expected an ETag header on {what}, got none")
    expect(
        bool(ETAG.fullmatch(tag)),
        f'expected the ETag of {what} to be a quoted string like "7-3" (the quotes are part of '
        f"it), got {tag!r}",
    )
    return tag


def _note(notes, what: str) -> dict:
    return notes.create(
        stage="create-read", title=notes.title(what), body="first", tags=["e"], priority=3
    )


@pytest.mark.stage("conditional")
def test_get_sends_a_strong_etag(api, notes):
    """GET /notes/{id} sends a strong ETag (quoted, no W/), the same on a second GET."""
    note = _note(notes, "Tagged")
    path = f"/notes/{note['id']}"
    first = _etag(notes.read(note["id"]), f"GET {path}")
    expect(
        not first.startswith("W/"),
        f"expected a strong ETag on GET {path} (If-Match compares strongly, so a weak W/ tag "
        f"can never match), got {first!r}",
    )
    again = _etag(notes.read(note["id"]), f"a second GET {path}")
    expect_equal(again, first, f"the ETag of GET {path} the second time (nothing changed)")


@pytest.mark.stage("conditional")
def test_every_change_gives_a_new_etag(notes):
    """After each of two quick changes, PATCH sends a new ETag, and GET sends the same one."""
    note = _note(notes, "Changing")
    path = f"/notes/{note['id']}"
    seen = [_etag(notes.read(note["id"]), f"GET {path}")]
    for priority in (1, 2):
        resp = notes.patch(note["id"], {"priority": priority})
        expect_status(resp, 200)
        tag = _etag(resp, f"the answer of PATCH {path}")
        expect(
            tag not in seen,
            f"expected a new ETag after the change to priority {priority} (an ETag identifies "
            f"one version of the note), got {tag!r} again; ETags so far: {seen}",
        )
        seen.append(tag)
        expect_equal(
            _etag(notes.read(note["id"]), f"GET {path}"),
            tag,
            f"the ETag of GET {path} after the PATCH (the one the PATCH answered)",
        )


@pytest.mark.stage("conditional")
def test_if_none_match_answers_304(api, notes):
    """If-None-Match with the current ETag answers 304 (empty, with ETag); a stale one 200."""
    note = _note(notes, "Cached")
    path = f"/notes/{note['id']}"
    old = _etag(notes.read(note["id"]), f"GET {path}")
    resp = api.get(path, headers={"If-None-Match": old})
    expect_status(resp, 304)
    expect(resp.content == b"", f"expected an empty body with 304, got {resp.text[:80]!r}")
    expect_equal(resp.headers.get("etag"), old, "the ETag header of the 304")
    expect_status(notes.patch(note["id"], {"body": "second"}), 200)
    resp = api.get(path, headers={"If-None-Match": old})
    expect_status(resp, 200)
    expect_equal(
        expect_json(resp).get("body"), "second", f"body of GET {path} with an outdated ETag"
    )
    expect(
        resp.headers.get("etag") not in (None, old),
        f"expected the new ETag with the 200, got {resp.headers.get('etag')!r}",
    )


@pytest.mark.stage("conditional")
def test_if_match_prevents_lost_updates(api, notes):
    """The first PATCH with If-Match wins; the second with the same ETag is a 412 problem."""
    note = _note(notes, "Contested")
    path = f"/notes/{note['id']}"
    seen_by_both = _etag(notes.read(note["id"]), f"GET {path}")
    resp = notes.patch(note["id"], {"body": "alice was here"}, {"If-Match": seen_by_both})
    expect_status(resp, 200)
    notes.check_problem(notes.patch(note["id"], {"priority": 5}, {"If-Match": seen_by_both}), 412)
    expect_equal(
        editable(expect_json(notes.read(note["id"]))),
        {**editable(note), "body": "alice was here"},
        "the note after a PATCH with the current ETag and one with the old ETag (the first "
        "change only)",
    )
    current = _etag(notes.read(note["id"]), f"GET {path}")
    replaced = {"title": note["title"], "body": "bob's copy"}
    notes.check_problem(api.put(path, json=replaced, headers={"If-Match": seen_by_both}), 412)
    notes.check_problem(api.delete(path, headers={"If-Match": seen_by_both}), 412)
    expect_equal(
        expect_json(notes.read(note["id"])).get("body"),
        "alice was here",
        f"body of GET {path} after a PUT and a DELETE with an outdated If-Match",
    )
    resp = api.delete(path, headers={"If-Match": current})
    expect_status(resp, 204)


@pytest.mark.stage("conditional")
def test_concurrent_writers_exactly_one_wins(api, notes):
    """Eight PATCHes with the same If-Match at once: exactly one 200, seven 412s (3 rounds)."""
    note = _note(notes, "Raced")
    path = f"/notes/{note['id']}"
    for round_ in range(1, ROUNDS + 1):
        tag = _etag(notes.read(note["id"]), f"GET {path}")
        start = threading.Barrier(WRITERS)

        def write(n: int, tag: str = tag, start: threading.Barrier = start) -> tuple[int, int]:
            with httpx.Client(base_url=api.base_url, timeout=api.timeout, trust_env=False) as http:
                start.wait(timeout=10)
                resp = http.patch(
                    path,
                    content=json.dumps({"body": f"writer {n}"}),
                    headers={"Content-Type": MERGE_PATCH, "If-Match": tag},
                )
                return n, resp.status_code

        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            results = list(pool.map(write, range(WRITERS)))
        codes = sorted(code for _, code in results)
        expect_equal(
            codes,
            [200] + [412] * (WRITERS - 1),
            f"the statuses of {WRITERS} PATCH {path} sent at once with the same If-Match "
            f"(round {round_}; check the ETag and write in one step: a transaction, or "
            "UPDATE ... WHERE version = ?)",
        )
        winner = next(n for n, code in results if code == 200)
        expect_equal(
            expect_json(notes.read(note["id"])).get("body"),
            f"writer {winner}",
            f"body of GET {path} (the change of the one PATCH that answered 200, round {round_})",
        )
