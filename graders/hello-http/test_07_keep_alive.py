"""Stage keep-alive: an HTTP/1.1 connection stays open for the next request (several in a row,
or sent together), until a side says Connection: close; and one open connection does not hold
up the others."""

import json

import pytest

from learnpath.grading.checks import CheckFailure, expect, expect_equal


def _http10(resp) -> str:
    """A hint for a server that answers in HTTP/1.0, which closes after every answer."""
    if resp.version != "HTTP/1.0":
        return ""
    return (
        f" (its status line says {resp.version}: an HTTP/1.0 server closes the connection "
        "after every answer; with Python's http.server set protocol_version = 'HTTP/1.1' on "
        "the handler class)"
    )


def _next(conn, method: str, path: str, what: str, **kwargs):
    """Send one more request on ``conn`` and read its answer, or fail saying the connection
    did not stay open."""
    conn.request(method, path, **kwargs)
    try:
        return conn.read_response(method)
    except CheckFailure as exc:
        raise CheckFailure(f"{what}: no answer on the same connection ({exc})") from None


@pytest.mark.stage("keep-alive")
def test_several_requests_on_one_connection(wire, uid):
    """Four requests, one after another, on one connection: each gets its own right answer."""
    repro = f"curl -sv {wire.origin}/health {wire.origin}/hello -H 'Accept: text/plain'"
    with wire.connect() as conn:
        conn.request("GET", "/health", repro=repro)
        first = conn.read_response("GET")
        expect_equal(first.status, 200, "the status of GET /health")
        expect(
            not first.closes,
            "expected the answer to a plain GET /health (HTTP/1.1, no Connection header) to keep "
            f"the connection open for the next request, got Connection: close{_http10(first)}",
        )
        state, extra = conn.after_answer(0.05)
        expect(
            not extra,
            f"expected nothing after the body Content-Length announced, got {extra[:60]!r}",
        )
        expect(
            state == "open",
            f"the server closed the connection after the first answer{_http10(first)}. An "
            "HTTP/1.1 connection stays open for the next request unless the client or the "
            "server says Connection: close",
        )
        resp = _next(
            conn, "GET", "/hello", "GET /hello after GET /health", headers={"Accept": "text/plain"}
        )
        expect_equal(resp.status, 200, "the status of GET /hello, the second request")
        expect_equal(resp.body.decode("utf-8", "replace").strip(), "Hello, world!", "the text")
        sent = f"second body {uid}".encode()
        resp = _next(
            conn,
            "POST",
            "/echo",
            "POST /echo as the third request",
            headers={"Content-Type": "text/plain"},
            body=sent,
        )
        expect_equal(resp.status, 200, "the status of POST /echo, the third request")
        expect_equal(resp.body, sent, "the echo on the third request")
        resp = _next(conn, "GET", f"/echo?run={uid}", "GET /echo?... as the fourth request")
        expect_equal(resp.status, 200, "the status of GET /echo?..., the fourth request")
        expect_equal(json.loads(resp.body), {"run": uid}, "the answer to the fourth request")


@pytest.mark.stage("keep-alive")
def test_requests_sent_together_are_answered_in_order(wire, uid):
    """Three requests written at once (pipelined) get three answers, in the order sent."""
    with wire.connect() as conn:
        data = b"".join(
            [
                conn.request("GET", f"/echo?n=1&run={uid}", send=False),
                conn.request("HEAD", "/health", send=False),
                conn.request("GET", f"/echo?n=3&run={uid}", send=False, close=True),
            ]
        )
        for ex in conn.pending:
            ex.repro = wire.nc(data)
        conn.send(data)
        answers = []
        for method in ("GET", "HEAD", "GET"):
            try:
                answers.append(conn.read_response(method))
            except CheckFailure as exc:
                raise CheckFailure(
                    f"expected 3 answers to 3 requests sent in one write, got {len(answers)} "
                    f"({exc}). Read each request by its framing (headers up to the empty line, "
                    "then Content-Length bytes), not one request per read"
                ) from None
    expect_equal(
        [a.status for a in answers], [200, 200, 200], "the statuses of the 3 pipelined answers"
    )
    expect_equal(json.loads(answers[0].body), {"n": "1", "run": uid}, "the first answer")
    expect_equal(json.loads(answers[2].body), {"n": "3", "run": uid}, "the third answer")


@pytest.mark.stage("keep-alive")
@pytest.mark.parametrize("target", ["404", "405"])
def test_a_body_nobody_reads_does_not_break_the_connection(wire, uid, target):
    """A body left unread by a 404 or 405 does not spoil the next request on the connection.

    The server reads and drops the body, or says Connection: close and closes.
    """
    wait = wire.patience()
    path = f"/nothing-here-{uid}" if target == "404" else "/health"
    body = json.dumps({"note": f"a body no route reads {uid}", "pad": "x" * 200}).encode()
    with wire.connect() as conn:
        conn.request("POST", path, headers={"Content-Type": "application/json"}, body=body)
        first = conn.read_response("POST")
        expect_equal(first.status, int(target), f"the status of POST {path}")
        if first.closes:
            expect(
                conn.closed_within(wait),
                f"the answer to POST {path} said Connection: close, but the connection stayed open",
            )
            return
        resp = _next(conn, "GET", "/health", f"GET /health after POST {path} with a body")
        body_start = resp.body[:60]
        expect(
            resp.status == 200 and b"ok" in resp.body,
            f"expected 200 for GET /health sent after POST {path} (which answered {target}) on "
            f"the same connection, got {resp.status} {body_start!r}: the body of the POST was "
            "left unread, so it was taken for the start of the next request. Read (and drop) "
            "the Content-Length bytes of a body you do not use, or answer with Connection: "
            "close and close",
        )


@pytest.mark.stage("keep-alive")
def test_connection_close_is_honoured(wire):
    """A request with Connection: close gets its answer, then the server closes."""
    wait = wire.patience()
    with wire.connect() as conn:
        conn.request(
            "GET",
            "/health",
            close=True,
            repro=f"curl -sv -H 'Connection: close' {wire.origin}/health",
        )
        resp = conn.read_response("GET")
        expect_equal(resp.status, 200, "the status of GET /health with Connection: close")
        expect(
            conn.closed_within(wait),
            f"expected the server to close the connection after answering a request that said "
            f"Connection: close, but it was still open {wait:g} s later",
        )


@pytest.mark.stage("keep-alive")
def test_an_open_connection_does_not_hold_up_others(wire):
    """While one client keeps its connection open, another connection is served."""
    wait = wire.patience()
    with wire.connect() as idle, wire.connect() as other:
        idle.request("GET", "/health")
        expect_equal(idle.read_response("GET").status, 200, "the status of GET /health")
        other.request("GET", "/hello", headers={"Accept": "text/plain"}, close=True)
        try:
            resp = other.read_response("GET", timeout=wait)
        except CheckFailure as exc:
            raise CheckFailure(
                f"expected an answer on a second connection while a first one stays open, got "
                f"none within {wait:g} s ({exc}): a server that serves one connection at a time "
                "waits for the first client's next request, which may never come. Serve each "
                "connection on its own (Python: ThreadingHTTPServer, not HTTPServer)"
            ) from None
        expect_equal(resp.status, 200, "the status of GET /hello on the second connection")
        resp = _next(idle, "GET", "/health", "GET /health on the first connection again")
        expect_equal(resp.status, 200, "the status of the first connection's second request")
