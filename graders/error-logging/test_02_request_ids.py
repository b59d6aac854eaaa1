"""Stage request-ids: every response carries X-Request-ID: the client's own when it is valid,
a new one otherwise; error bodies carry it too."""

import json

import pytest
from conftest import MAX_BODY, VALID_ID, at_once, brief, sixteen

from learnpath.grading.checks import expect, expect_json


def request_id_of(resp, what: str) -> str:
    rid = resp.headers.get("x-request-id")
    expect(
        rid is not None,
        f"expected an X-Request-ID header on the answer to {what} (every answer has one, errors "
        f"too), got none: {brief(resp)}",
    )
    expect(
        VALID_ID.fullmatch(rid) is not None,
        f"expected the X-Request-ID of {what} to be 1 to 128 letters, digits, '.', '_', ':' or "
        f"'-', got {rid!r}",
    )
    return rid


@pytest.mark.stage("request-ids")
def test_every_answer_carries_a_new_request_id(api, uid):
    """Without X-Request-ID, every answer (200, 404, 405, 400, 413, 500) has its own new id."""
    big = json.dumps({"username": "u" * (2 * MAX_BODY)})
    answers = [
        ("GET /health", api.get("/health")),
        ("GET of an unknown path", api.get(f"/no-such-page-{uid}")),
        ("DELETE /orders", api.delete("/orders")),
        (
            "POST /users with a body that is not JSON",
            api.post("/users", content="{oops", headers={"Content-Type": "application/json"}),
        ),
        (
            "POST /users with a 32 KiB body",
            api.post("/users", content=big, headers={"Content-Type": "application/json"}),
        ),
        ("GET /boom", api.get("/boom")),
        ("GET /health again", api.get("/health")),
    ]
    seen: dict[str, str] = {}
    for what, resp in answers:
        rid = request_id_of(resp, what)
        expect(
            rid not in seen,
            f"expected a new request id for every request, got {rid!r} for {what} and for "
            f"{seen.get(rid)}",
        )
        seen[rid] = what


@pytest.mark.stage("request-ids")
def test_a_valid_incoming_id_is_sent_back(api, uid):
    """A valid X-Request-ID (up to 128 characters) comes back as is, on errors too."""
    longest = f"lp-{uid}-".ljust(128, "x")
    cases = [
        ("/health", f"lp-{uid}.gateway:7_a-1"),
        (f"/no-such-page-{uid}", "3f1e9a4c-5b6d-4e7f-8a9b-0c1d2e3f4a5b"),
        ("/boom", f"lp-{uid}-boom"),
        ("/health", longest),
    ]
    for path, sent in cases:
        resp = api.get(path, headers={"X-Request-ID": sent})
        got = resp.headers.get("x-request-id")
        expect(
            got == sent,
            f"expected GET {path} with X-Request-ID: {sent} ({len(sent)} characters, a valid id) "
            f"to answer with the same X-Request-ID, got {got!r}",
        )


@pytest.mark.stage("request-ids")
def test_an_invalid_incoming_id_is_replaced(api, uid):
    """A too long id, or one with spaces, quotes or brackets, is replaced by a new valid id."""
    cases = [
        f"lp-{uid}-".ljust(129, "x"),
        "y" * 400,
        f"two words {uid}",
        f'lp-{uid}","level":"error',
        f"<script>{uid}</script>",
        f"lp-{uid};drop",
    ]
    seen: set[str] = set()
    for sent in cases:
        shown = sent if len(sent) < 40 else f"{sent[:30]}… ({len(sent)} characters)"
        resp = api.get("/health", headers={"X-Request-ID": sent})
        rid = request_id_of(resp, f"GET /health with X-Request-ID: {shown}")
        expect(
            rid != sent,
            f"expected the invalid X-Request-ID {shown!r} to be replaced by a new id (1 to 128 "
            f"letters, digits, '.', '_', ':' or '-'), but it came back as is",
        )
        expect(
            rid not in seen,
            f"expected each replaced id to be new, got {rid!r} twice",
        )
        seen.add(rid)


@pytest.mark.stage("request-ids")
def test_problems_carry_the_request_id(api, uid):
    """The problem body's request_id is the answer's X-Request-ID (404, 400, 413, 500)."""
    big = json.dumps({"username": "u" * (2 * MAX_BODY)})
    answers = [
        api.get(f"/no-such-page-{uid}", headers={"X-Request-ID": f"lp-{uid}-missing"}),
        api.post("/users", content="{oops", headers={"Content-Type": "application/json"}),
        api.post("/users", content=big, headers={"Content-Type": "application/json"}),
        api.get("/boom", headers={"X-Request-ID": f"lp-{uid}-crash"}),
        api.get("/boom"),
    ]
    for resp in answers:
        what = f"{resp.request.method} {resp.request.url.path}"
        rid = request_id_of(resp, what)
        body = expect_json(resp)
        got = body.get("request_id") if isinstance(body, dict) else None
        expect(
            got == rid,
            f'expected the {resp.status_code} problem of {what} to carry "request_id": '
            f'"{rid}" (its X-Request-ID), got {got!r}: {brief(resp)}',
        )


@pytest.mark.stage("request-ids")
def test_concurrent_requests_keep_their_own_ids(server, uid, account):
    """Sixteen requests at once each get their own id back, in the header and the problem."""
    requests = sixteen(uid, account, "together")
    for sent, answer in zip(requests, at_once(server.url, requests), strict=True):
        rid = sent.headers["X-Request-ID"]
        try:
            body = json.loads(answer.body)
        except ValueError:
            body = None
        got = body.get("request_id") if isinstance(body, dict) else None
        header = answer.headers.get("x-request-id")
        expect(
            header == rid and got == rid,
            f"with 16 requests at once, expected {sent.method} {sent.path} (X-Request-ID: {rid}) "
            f"to get its own id back in the header and the problem's request_id, got "
            f"X-Request-ID {header!r} and request_id {got!r}. Keep the id per request "
            f"(contextvars, AsyncLocalStorage, req), not in a global variable. The request: "
            f"{sent.curl(server.url)}",
        )
