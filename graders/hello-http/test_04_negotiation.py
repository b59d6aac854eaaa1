"""Stage negotiation: GET /hello answers JSON or plain text by the request's Accept header,
weighing q-values, 406 when neither is acceptable, and always says Vary: Accept."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_json

JSON = "application/json"
TEXT = "text/plain"
# (Accept header, what GET /hello must answer). Each case is built so that a common shortcut
# (take the first type listed, look for "json" anywhere, ignore q) answers it wrongly.
CASES = [
    ("application/json", JSON),
    ("text/plain", TEXT),
    ("*/*", JSON),
    ("text/plain;q=0.5, application/json;q=0.9", JSON),
    ("application/json; q=0.4,text/plain", TEXT),
    ("text/*", TEXT),
    ("application/*;q=0.8, text/html", JSON),
    ("image/png, text/plain;q=0.2", TEXT),
    ("*/*;q=0.1, text/plain", TEXT),
    ("text/*;q=0.3, application/json;q=0.25", TEXT),
    ("application/json;q=0, */*", TEXT),
]
NONE_ACCEPTABLE = [
    "image/png",
    "text/html, application/xml;q=0.9",
    "application/json;q=0, text/plain;q=0",
    "text/*;q=0, application/json;q=0.0",
]


def _media(resp) -> str:
    return resp.headers.get("content-type", "").split(";")[0].strip().lower()


def _expect_greeting(resp, want: str, accept: str | None) -> None:
    """200 with ``want`` as the Content-Type and the greeting in that form."""
    sent = "no Accept header" if accept is None else f"Accept: {accept}"
    expect(
        resp.status_code == 200,
        f"expected 200 for GET /hello with {sent}, got {resp.status_code}: {resp.text[:80]!r}",
    )
    expect(
        _media(resp) == want,
        f"expected Content-Type {want} for GET /hello with {sent}, got "
        f"{resp.headers.get('content-type')!r}",
    )
    if want == JSON:
        body = expect_json(resp)
        expect(isinstance(body, dict), f"expected a JSON object, got {body!r}")
        expect_equal(body.get("message"), "Hello, world!", f"message of GET /hello with {sent}")
    else:
        expect_equal(resp.text.strip(), "Hello, world!", f"the text of GET /hello with {sent}")


@pytest.mark.stage("negotiation")
def test_hello_answers_json_or_text_by_accept(api):
    """Accept: application/json gets JSON, text/plain gets text, */* the default (JSON)."""
    for accept, want in CASES[:3]:
        _expect_greeting(api.get("/hello", headers={"Accept": accept}), want, accept)


@pytest.mark.stage("negotiation")
def test_hello_without_accept_is_json(wire):
    """A request with no Accept header at all accepts anything: it gets the default, JSON."""
    with wire.connect() as conn:
        conn.request("GET", "/hello", close=True, repro=f"curl -i -H 'Accept:' {wire.origin}/hello")
        resp = conn.read_response("GET")
    expect(resp.status == 200, f"expected 200 for GET /hello without Accept, got {resp.status}")
    ctype = (resp.header("Content-Type") or "").split(";")[0].strip().lower()
    expect(
        ctype == JSON,
        f"expected Content-Type {JSON} for GET /hello without an Accept header (the client "
        f"takes anything, so the server picks its default), got {resp.header('Content-Type')!r}",
    )


@pytest.mark.stage("negotiation")
def test_q_values_and_wildcards_decide(api):
    """q-values rank the types, and the most specific range that matches a type sets its q."""
    for accept, want in CASES[3:]:
        _expect_greeting(api.get("/hello", headers={"Accept": accept}), want, accept)


@pytest.mark.stage("negotiation")
def test_406_when_nothing_is_acceptable(api):
    """When neither JSON nor text is acceptable (absent, or q=0), /hello answers 406."""
    for accept in NONE_ACCEPTABLE:
        resp = api.get("/hello", headers={"Accept": accept})
        expect(
            resp.status_code == 406,
            f"expected 406 Not Acceptable for GET /hello with Accept: {accept} (neither "
            f"application/json nor text/plain is acceptable; q=0 means 'not this one'), got "
            f"{resp.status_code} ({resp.headers.get('content-type')})",
        )


@pytest.mark.stage("negotiation")
def test_vary_accept(api):
    """Every answer of /hello says Vary: Accept, so caches keep one copy per Accept."""
    for accept in ("application/json", "text/plain", "image/png"):
        resp = api.get("/hello", headers={"Accept": accept})
        vary = [t.strip().lower() for t in resp.headers.get("vary", "").split(",")]
        expect(
            "accept" in vary or "*" in vary,
            f"expected a Vary header naming Accept on GET /hello with Accept: {accept} "
            f"(answer {resp.status_code}): the answer depends on Accept, and a cache must know; "
            f"got {resp.headers.get('vary')!r}",
        )


@pytest.mark.stage("negotiation")
def test_hello_refuses_other_methods_with_405(routes):
    """POST /hello is 405 with Allow listing GET (and nothing untrue)."""
    routes.expect_allow_is_true(routes.expect_405("POST", "/hello", lists=("GET",)))
