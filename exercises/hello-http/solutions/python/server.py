"""hello-http: a tiny HTTP service on nothing but Python's standard library.

Run it: PORT=8000 python3 server.py

Routes: GET /health, GET and POST /echo, GET /hello (JSON or text by Accept). HEAD works
wherever GET does. Connections stay open between requests (HTTP/1.1), bodies over 1 MiB are
refused with 413, and every answer states its length in Content-Length.
"""

from __future__ import annotations

import json
import os
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

MAX_BODY = 1024 * 1024  # bytes: a larger request body is answered 413
GREETING = "Hello, world!"
# The methods each path answers. Any other path is a 404; any other method a 405.
ROUTES = {
    "/health": ("GET", "HEAD"),
    "/echo": ("GET", "HEAD", "POST"),
    "/hello": ("GET", "HEAD"),
}
# What GET /hello can answer, in our order of preference (the first wins a tie).
OFFERS = ("application/json", "text/plain")
JSON = "application/json"


def json_bytes(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def parse_accept(header: str) -> list[tuple[str, float]]:
    """``text/plain;q=0.5, application/json`` -> [("text/plain", 0.5), ("application/json", 1.0)]."""
    ranges = []
    for item in header.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((media.lower(), q))
    return ranges


def quality(offer: str, ranges: list[tuple[str, float]]) -> float:
    """How much the client wants ``offer``: the q of the most specific range that matches it
    (``text/plain`` beats ``text/*``, which beats ``*/*``); 0 when none matches."""
    kind = offer.split("/")[0]
    best_rank, q = -1, 0.0
    for media, mq in ranges:
        if media == offer:
            rank = 2
        elif media == f"{kind}/*":
            rank = 1
        elif media == "*/*":
            rank = 0
        else:
            continue
        if rank > best_rank:
            best_rank, q = rank, mq
    return q


def negotiate(header: str | None) -> str | None:
    """The offer to answer with, or None when the client accepts none of them (406)."""
    if header is None or not header.strip():
        return OFFERS[0]  # no Accept: the client takes anything, so our favourite
    ranges = parse_accept(header)
    best, best_q = None, 0.0
    for offer in OFFERS:
        q = quality(offer, ranges)
        if q > best_q:  # strictly greater: a tie keeps the earlier (preferred) offer
            best, best_q = offer, q
    return best


def query_object(query: str) -> dict[str, str | list[str]]:
    """``a=1&b=x&b=y&c=`` -> {"a": "1", "b": ["x", "y"], "c": ""} (form decoding: %XX and +)."""
    out: dict[str, str | list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name not in out:
            out[name] = value
        elif isinstance(out[name], list):
            out[name].append(value)  # type: ignore[union-attr]
        else:
            out[name] = [out[name], value]  # type: ignore[list-item]
    return out


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1: connections stay open for the next request unless a side says "close".
    # Every answer must then carry Content-Length, or the client cannot tell where it ends.
    protocol_version = "HTTP/1.1"
    server_version = "hello-http/1.0"
    # Headers and body leave in two writes; on a kept-open connection Nagle's algorithm would
    # hold the body back until the client acknowledges the headers (up to 40 ms per answer).
    disable_nagle_algorithm = True

    def handle_any(self) -> None:
        url = urlsplit(self.path)
        allowed = ROUTES.get(url.path)
        if allowed is None:
            self.skip_body()
            self.send(404, json_bytes({"error": f"no route for {url.path}"}), JSON)
            return
        if self.command not in allowed:
            self.skip_body()
            error = {"error": f"{self.command} is not allowed on {url.path}"}
            self.send(405, json_bytes(error), JSON, Allow=", ".join(allowed))
            return
        if url.path == "/health":
            self.send(200, json_bytes({"status": "ok"}), JSON)
        elif url.path == "/echo" and self.command == "POST":
            body = self.read_body()
            if body is not None:
                ctype = self.headers.get("Content-Type") or "application/octet-stream"
                self.send(200, body, ctype)
        elif url.path == "/echo":
            self.send(200, json_bytes(query_object(url.query)), JSON)
        else:  # /hello
            self.hello()

    # Every method goes through handle_any; http.server answers 501 to methods it has no
    # do_<METHOD> for (a method it does not know at all).
    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = handle_any

    def hello(self) -> None:
        chosen = negotiate(self.headers.get("Accept"))
        if chosen is None:
            error = {"error": "no acceptable representation", "available": list(OFFERS)}
            self.send(406, json_bytes(error), JSON, Vary="Accept")
        elif chosen == JSON:
            self.send(200, json_bytes({"message": GREETING}), JSON, Vary="Accept")
        else:
            self.send(200, GREETING.encode(), "text/plain; charset=utf-8", Vary="Accept")

    # -- bodies ------------------------------------------------------------------------------

    def body_length(self) -> int | None:
        """The request's Content-Length (0 when it has none), or None when the body cannot be
        framed by it: a chunked body (this server does not read those) or a bad number."""
        if "Transfer-Encoding" in self.headers:
            return None
        raw = self.headers.get("Content-Length", "0").strip()
        return int(raw) if raw.isdigit() else None

    def read_body(self) -> bytes | None:
        """The request body; None when it was refused (already answered)."""
        length = self.body_length()
        if length is None:
            self.close_connection = True
            self.send(411, json_bytes({"error": "send the body with a Content-Length"}), JSON)
            return None
        if length > MAX_BODY:
            # Decide from the header, before reading: a client may claim 1 GiB and send
            # 16 bytes, and reading would wait for the rest forever.
            self.refuse_too_large()
            return None
        return self.rfile.read(length)

    def skip_body(self) -> None:
        """Read and drop a body this request does not need, so that the next request on this
        connection starts where it should; close the connection instead when it is too large
        to read (or cannot be framed)."""
        length = self.body_length()
        if length is None or length > MAX_BODY:
            self.close_connection = True
        elif length:
            self.rfile.read(length)

    def refuse_too_large(self) -> None:
        self.close_connection = True
        error = {"error": f"the body is larger than {MAX_BODY} bytes"}
        self.send(413, json_bytes(error), JSON)
        # Closing a socket with unread input makes the kernel reset the connection, and the
        # client may lose the 413 with it. Stop sending (FIN), then read and drop what the
        # client still sends, for a short while, before the socket is closed.
        try:
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(1.0)
            drained = 0
            while drained < 8 * MAX_BODY:
                chunk = self.connection.recv(65536)
                if not chunk:
                    break
                drained += len(chunk)
        except OSError:
            pass

    # -- answers -----------------------------------------------------------------------------

    def send(self, status: int, body: bytes, ctype: str, **headers: str) -> None:
        """One complete answer. HEAD gets the same headers, Content-Length included, and no
        body."""
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    # One thread per connection: a client keeping its connection open must not block others.
    server = ThreadingHTTPServer((host, port), Handler)
    print(f"hello-http listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
