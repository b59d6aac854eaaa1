"""Stage echo: POST /echo answers the body it got, byte for byte, with its Content-Type and a
Content-Length that counts bytes; GET /echo answers its query string as a JSON object."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_json, expect_status


def _media(resp) -> str:
    return resp.headers.get("content-type", "").split(";")[0].strip().lower()


def _expect_echo(resp, sent: bytes, ctype: str, what: str) -> None:
    expect_status(resp, 200)
    expect(
        resp.headers.get("content-type") == ctype,
        f"expected Content-Type {ctype!r} on the echo of {what}, the type the request was sent "
        f"with, got {resp.headers.get('content-type')!r}",
    )
    got = resp.content
    if got != sent:
        same = next((i for i, (a, b) in enumerate(zip(got, sent, strict=False)) if a != b), None)
        first = min(len(got), len(sent)) if same is None else same
        expect(
            False,
            f"expected the echo of {what} to be the {len(sent)} bytes sent, got {len(got)} "
            f"bytes that differ from byte {first} on (sent {sent[first : first + 12]!r}, got "
            f"{got[first : first + 12]!r}): pass the bytes through, do not decode them as text",
        )


@pytest.mark.stage("echo")
def test_echo_returns_a_json_body_as_sent(api, uid):
    """POST /echo with a JSON body answers 200 with the same bytes and the same Content-Type."""
    sent = f'{{"greeting": "hi", "run": "{uid}", "list": [1, 2, 3]}}'.encode()
    resp = api.post("/echo", content=sent, headers={"Content-Type": "application/json"})
    _expect_echo(resp, sent, "application/json", "a JSON body")


@pytest.mark.stage("echo")
def test_echo_content_length_counts_bytes(wire, uid):
    """A UTF-8 text echo says its length in bytes: Content-Length is right, nothing follows."""
    sent = f"naïve café ☕ {uid}\r\nsecond line\n".encode()
    ctype = "text/plain; charset=utf-8"
    resp, _, extra = wire.exchange("POST", "/echo", headers={"Content-Type": ctype}, body=sent)
    expect_equal(resp.status, 200, "the status of POST /echo with a UTF-8 text body")
    expect(
        resp.header("Content-Length") is not None,
        "expected a Content-Length header on the echo (the number of bytes in the body), got "
        f"none; its headers were:\n{resp.head_text()}",
    )
    expect(
        resp.header("Content-Type") == ctype,
        f"expected Content-Type {ctype!r} on the echo, got {resp.header('Content-Type')!r}",
    )
    expect(
        not extra,
        f"Content-Length said {len(resp.body)} bytes, but {len(extra)} more followed "
        f"({extra[:40]!r}): the body is {len(sent)} bytes of UTF-8, where 'ï', 'é' and '☕' take "
        "2-3 bytes each; count the encoded bytes, not the characters",
    )
    expect(
        resp.body == sent,
        f"expected the echo to be the {len(sent)} bytes sent, got {resp.body[:60]!r}",
    )


@pytest.mark.stage("echo")
def test_echo_is_byte_exact_for_binary(api, uid):
    """Binary bodies (every byte value, NUL and CR LF included) come back unchanged."""
    sent = uid.encode() + bytes(range(256)) * 4 + b"\r\n\r\n\x00\xff\xfe"
    resp = api.post("/echo", content=sent, headers={"Content-Type": "application/octet-stream"})
    _expect_echo(resp, sent, "application/octet-stream", "a binary body")


@pytest.mark.stage("echo")
def test_echo_without_a_content_type_is_octet_stream(api, uid):
    """A body sent without Content-Type comes back as application/octet-stream."""
    sent = f"no type {uid}".encode()
    resp = api.post("/echo", content=sent)
    expect_status(resp, 200)
    expect(
        _media(resp) == "application/octet-stream",
        "expected Content-Type application/octet-stream on the echo of a body sent without a "
        f"Content-Type (bytes of unknown kind), got {resp.headers.get('content-type')!r}",
    )
    expect(resp.content == sent, f"expected the echo to be {sent!r}, got {resp.content[:60]!r}")


@pytest.mark.stage("echo")
def test_echo_of_an_empty_body(api):
    """POST /echo with an empty body (Content-Length: 0) answers 200 with an empty body."""
    resp = api.post("/echo", content=b"", headers={"Content-Type": "text/plain"})
    expect_status(resp, 200)
    expect(resp.content == b"", f"expected an empty body, got {resp.content[:60]!r}")
    expect_equal(resp.headers.get("content-length"), "0", "Content-Length of an empty echo")


@pytest.mark.stage("echo")
def test_get_echo_answers_the_query_as_json(api, uid):
    """GET /echo?... answers the decoded query parameters as a JSON object."""
    query = (
        f"name=Ada%20Lovelace&run={uid}&empty=&tag=zeta&tag=alpha&sum=1%2B1%3D2"
        "&plus=a+b&city=K%C3%B8benhavn"
    )
    resp = api.get(f"/echo?{query}")
    expect_status(resp, 200)
    expect(
        _media(resp) == "application/json",
        f"expected Content-Type application/json on GET /echo, got "
        f"{resp.headers.get('content-type')!r}",
    )
    want = {
        "name": "Ada Lovelace",
        "run": uid,
        "empty": "",
        "tag": ["zeta", "alpha"],
        "sum": "1+1=2",
        "plus": "a b",
        "city": "København",
    }
    got = expect_json(resp)
    expect(isinstance(got, dict), f"expected a JSON object from GET /echo?..., got {got!r}")
    for key, value in want.items():
        expect(
            key in got,
            f"expected '{key}' in the answer to GET /echo?{query} (an empty value is \"\", not "
            f"left out), got keys {sorted(got)}",
        )
        expect_equal(got[key], value, f"'{key}' in the answer to GET /echo?{query}")
    extra = sorted(set(got) - set(want))
    expect(not extra, f"expected only the query's parameters, got extra keys {extra}")
    resp = api.get("/echo")
    expect_status(resp, 200)
    expect_equal(expect_json(resp), {}, "the answer to GET /echo without a query")


@pytest.mark.stage("echo")
def test_echo_refuses_other_methods_with_405(routes):
    """PUT and DELETE /echo are 405, with Allow listing GET and POST (and nothing untrue)."""
    routes.expect_405("PUT", "/echo", lists=("GET", "POST"))
    routes.expect_allow_is_true(routes.expect_405("DELETE", "/echo", lists=("GET", "POST")))
