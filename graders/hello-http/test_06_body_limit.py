"""Stage body-limit: POST /echo takes bodies up to 1 MiB; a larger one is 413, decided from
Content-Length before the body is read, so a client that only claims a huge body gets its 413
at once; and the server goes on serving afterwards."""

import hashlib
import select
import time

import pytest

from learnpath.grading.checks import CheckFailure, expect

MAX_BODY = 1024 * 1024
CHUNK = 64 * 1024


def _still_serving(api, what: str) -> None:
    resp = api.get("/health")
    expect(
        resp.status_code == 200,
        f"expected GET /health to answer 200 after {what}, got {resp.status_code}",
    )


@pytest.mark.stage("body-limit")
def test_a_body_of_exactly_1_mib_is_echoed(api, uid):
    """A body of exactly 1 MiB (1048576 bytes) is within the limit: echoed in full."""
    sent = (uid.encode() * (MAX_BODY // len(uid) + 1))[:MAX_BODY]
    resp = api.post("/echo", content=sent, headers={"Content-Type": "application/octet-stream"})
    expect(
        resp.status_code == 200,
        f"expected 200 for POST /echo with a body of exactly {MAX_BODY} bytes (1 MiB is within "
        f"the limit; only more is refused), got {resp.status_code}",
    )
    expect(
        hashlib.sha256(resp.content).digest() == hashlib.sha256(sent).digest(),
        f"expected the {MAX_BODY}-byte body back unchanged, got {len(resp.content)} bytes that "
        "differ",
    )


@pytest.mark.stage("body-limit")
def test_a_body_over_1_mib_is_413(api, wire):
    """POST /echo with 1 MiB + 1 byte answers 413, and the server keeps serving."""
    size = MAX_BODY + 1
    repro = (
        f"head -c {size} /dev/zero | curl -i -X POST {wire.origin}/echo "
        "-H 'Content-Type: application/octet-stream' --data-binary @-"
    )
    wait = wire.patience()
    with wire.connect() as conn:
        conn.request(
            "POST",
            "/echo",
            headers={"Content-Type": "application/octet-stream", "Content-Length": str(size)},
            repro=repro,
        )
        # Stream the body while watching for an early answer, as a careful client does: a
        # server that decides from Content-Length answers before the body is all there.
        left = size
        answered = False
        deadline = time.monotonic() + wait
        while left > 0 and time.monotonic() < deadline:
            readable, writable, _ = select.select([conn.sock], [conn.sock], [], 0.5)
            if readable:
                answered = True
                break
            if writable:
                try:
                    sent = conn.sock.send(b"\0" * min(CHUNK, left))
                except OSError:  # the server closed the connection: read what it answered
                    break
                left -= sent
        try:
            resp = conn.read_response("POST")
        except CheckFailure as exc:
            early = " before the body was all sent" if answered or left else ""
            reset = (
                ". A server that closes the connection right after its 413, with body bytes "
                "still unread, makes the kernel reset the connection, and the client may lose "
                "the answer: read (and drop) the rest for a moment, or shut the socket for "
                "writing first"
                if "closed the connection" in str(exc)
                else ""
            )
            raise CheckFailure(
                f"expected 413 for POST /echo with a {size}-byte body, got no answer{early} "
                f"({exc}){reset}"
            ) from None
    expect(
        resp.status == 413,
        f"expected 413 Content Too Large for POST /echo with {size} bytes (1 MiB + 1), got "
        f"{resp.status}",
    )
    _still_serving(api, "refusing a body over 1 MiB")


@pytest.mark.stage("body-limit")
def test_a_lying_content_length_gets_413_at_once(api, wire, uid):
    """Content-Length: 1 GiB with 16 bytes sent: 413 at once, from the header alone."""
    claimed = 1024 * MAX_BODY
    body = uid.encode().ljust(16, b"-")[:16]
    data = (
        f"POST /echo HTTP/1.1\r\nHost: {wire.host}:{wire.port}\r\n"
        f"Content-Type: text/plain\r\nContent-Length: {claimed}\r\n\r\n"
    ).encode() + body
    repro = (
        f"curl -i -X POST {wire.origin}/echo -H 'Content-Type: text/plain' "
        f"-H 'Content-Length: {claimed}' --data-binary {body.decode()!r}"
    )
    wait = wire.patience()
    with wire.connect() as conn:
        conn.request(
            "POST",
            "/echo",
            headers={"Content-Type": "text/plain", "Content-Length": str(claimed)},
            body=body,
            repro=repro,
            send=False,
        )
        conn.send(data)
        try:
            resp = conn.read_response("POST", timeout=wait)
        except CheckFailure as exc:
            raise CheckFailure(
                f"expected 413 at once for POST /echo with Content-Length: {claimed} (1 GiB) and "
                f"16 bytes of body, got no answer ({exc}; GET /health takes this server "
                f"{wire.baseline:.3f} s). The server seems to wait for the gigabyte the header "
                "promised: compare Content-Length with the limit before reading the body"
            ) from None
    expect(
        resp.status == 413,
        f"expected 413 for POST /echo with Content-Length: {claimed} (more than 1 MiB), got "
        f"{resp.status}",
    )
    _still_serving(api, "a request that claimed a 1 GiB body")
