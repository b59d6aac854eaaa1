"""Shared set-up for the hello-http graders: HTTP on the wire, not through a library's eyes.

Most checks use the recording ``api`` client. What a client library hides is checked over a raw
TCP socket (:class:`Wire`): a body sent after a HEAD answer, a Content-Length that does not
match the bytes that follow, whether the server keeps a connection open or closes it, two
requests on one connection, a body that never arrives. Every raw exchange is recorded next to
the ``api`` ones, so a failure shows it as a command to reproduce it with.

Values carry the run's ``uid``, so a server that answers from a hard-coded string fails, and
waits are measured against the server's own speed in this run (:func:`patience`), never fixed
budgets: a correct server answers in milliseconds, and only a server that waits for something
that never comes runs into them.
"""

from __future__ import annotations

import contextlib
import select
import shlex
import socket
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from learnpath.grading.checks import CheckFailure, expect
from learnpath.grading.client import Exchange

# Methods the graders may send to a route; a method the server lists in Allow must be answered.
KNOWN_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
BODY_METHODS = ("POST", "PUT", "PATCH")
HEADER_LIMIT = 64 * 1024
SETTLE = 0.3  # seconds of silence after an answer that say "nothing more is coming"


def tokens(value: str | None) -> list[str]:
    """The comma-separated tokens of a header such as Allow or Vary, as sent."""
    return [t.strip() for t in (value or "").split(",") if t.strip()]


def shell_quote(text: str) -> str:
    """``text`` as one bash word; with line breaks or other control characters in it, as a
    ``$'...'`` word whose escapes (``\\r``, ``\\n``) show every byte on one line."""
    if text.isprintable():
        return shlex.quote(text)
    escaped = text.replace("\\", "\\\\").replace("'", "\\'")
    escaped = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in escaped)
    escaped = escaped.replace("\\x0d", "\\r").replace("\\x0a", "\\n").replace("\\x09", "\\t")
    return f"$'{escaped}'"


def shown(data: bytes, n: int = 80) -> str:
    """A short, printable form of some bytes for a failure message."""
    return repr(data[:n]) + ("…" if len(data) > n else "")


@dataclass(eq=False)
class RawExchange(Exchange):
    """A raw-socket exchange in the ``api`` record: its ``curl`` is the command that shows it."""

    repro: str = ""

    def curl(self) -> str:
        return self.repro or Exchange.curl(self)


@dataclass
class RawResponse:
    """One answer read off the wire."""

    version: str
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    # how the body was framed: length, chunked, close (read until the server closed), none
    framing: str = "none"

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (several lines joined with ", "), None when absent."""
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return ", ".join(values) if values else None

    def head_text(self) -> str:
        lines = [f"{self.version} {self.status} {self.reason}".rstrip()]
        lines += [f"{k}: {v}" for k, v in self.headers]
        return "\n".join(lines)

    @property
    def closes(self) -> bool:
        """Whether the answer says the server closes the connection after it."""
        return "close" in [t.lower() for t in tokens(self.header("Connection"))]


class Conn:
    """One TCP connection to the server: send requests as bytes, read answers by their framing."""

    def __init__(self, wire: Wire):
        self.wire = wire
        self.buf = b""
        self.eof = False
        self.pending: list[RawExchange] = []  # recorded requests not yet answered, in order
        try:
            self.sock = socket.create_connection((wire.host, wire.port), timeout=wire.timeout)
        except OSError as exc:
            raise CheckFailure(
                f"could not connect to {wire.host}:{wire.port} ({exc}): did the server stop?"
            ) from None
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def __enter__(self) -> Conn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sending -----------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        close: bool = False,
        repro: str | None = None,
        send: bool = True,
    ) -> bytes:
        """Send one request (Host and, with a body, Content-Length are added) and record it.

        ``close`` adds ``Connection: close``; ``send=False`` only builds and records it (for
        sending several requests in one write). Returns the request's bytes.
        """
        hdrs = {"Host": f"{self.wire.host}:{self.wire.port}"}
        if body or method in BODY_METHODS:
            hdrs["Content-Length"] = str(len(body))
        hdrs.update(headers or {})
        if close:
            hdrs["Connection"] = "close"
        head = f"{method} {path} HTTP/1.1\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
        data = head.encode("latin-1") + body
        self.pending.append(self.wire.record(method, path, hdrs, body, repro=repro))
        if send:
            self.send(data)
        return data

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise CheckFailure(
                f"the server closed the connection while the request was being sent ({exc})"
            ) from None

    # -- reading -----------------------------------------------------------------------------

    def _fill(self, timeout: float, what: str) -> bool:
        """Read more bytes into the buffer; False at the end of the stream (server closed)."""
        if self.eof:
            return False
        self.sock.settimeout(timeout)
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError:
            raise CheckFailure(f"no answer within {timeout:g} s while waiting for {what}") from None
        except ConnectionResetError:
            chunk = b""
        except OSError as exc:
            raise CheckFailure(f"the connection failed while waiting for {what} ({exc})") from None
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _take(self, n: int) -> bytes:
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_response(self, method: str, *, timeout: float | None = None) -> RawResponse:
        """Read one whole answer (skipping 1xx ones), its body framed as HTTP/1.1 says."""
        timeout = timeout or self.wire.timeout
        while True:
            try:
                resp = self._read_head(timeout)
            except CheckFailure as exc:
                self._no_answer(str(exc))
                raise
            if not 100 <= resp.status < 200:
                break
        if method == "HEAD" or resp.status in (204, 304):
            resp.framing = "none"
        elif "chunked" in (resp.header("Transfer-Encoding") or "").lower():
            resp.body, resp.framing = self._read_chunked(timeout), "chunked"
        elif resp.header("Content-Length") is not None:
            raw = resp.header("Content-Length") or ""
            expect(
                raw.strip().isdigit(),
                f"expected Content-Length to be a number of bytes, got {raw!r}",
            )
            length = int(raw)
            while len(self.buf) < length:
                if not self._fill(timeout, f"the {length}-byte body Content-Length announced"):
                    got = len(self.buf)
                    self._answered(resp, self.buf)
                    raise CheckFailure(
                        f"Content-Length said {length} bytes, but the connection closed after "
                        f"{got}: Content-Length must count the bytes of the body (UTF-8 "
                        f"characters such as 'é' take more than one)"
                    )
            resp.body, resp.framing = self._take(length), "length"
        else:
            while self._fill(timeout, "the end of a body sent without Content-Length"):
                pass
            resp.body, resp.framing = self._take(len(self.buf)), "close"
        self._answered(resp, resp.body)
        return resp

    def _answered(self, resp: RawResponse, body: bytes) -> None:
        """Fill in the answer of the oldest request on this connection still waiting for one."""
        if self.pending:
            ex = self.pending.pop(0)
            ex.status = resp.status
            ex.response_headers = {k.lower(): v for k, v in resp.headers}
            ex.response_body = body

    def _no_answer(self, why: str) -> None:
        if self.pending:
            self.pending[0].error = why

    def _read_head(self, timeout: float) -> RawResponse:
        while b"\r\n\r\n" not in self.buf:
            expect(
                len(self.buf) < HEADER_LIMIT,
                f"expected the answer's headers to end with an empty line within "
                f"{HEADER_LIMIT // 1024} KiB, got {shown(self.buf)}",
            )
            if not self._fill(timeout, "the answer"):
                if not self.buf:
                    raise CheckFailure(
                        "the server closed the connection without answering (nothing came back)"
                    )
                raise CheckFailure(
                    f"the server closed the connection in the middle of its answer: "
                    f"{shown(self.buf)}"
                )
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        code, _, reason = rest.partition(" ")
        expect(
            version.startswith("HTTP/") and code.isdigit(),
            f"expected an HTTP status line such as 'HTTP/1.1 200 OK', got {lines[0][:80]!r}",
        )
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            expect(sep == ":", f"expected 'Name: value' header lines, got {line[:80]!r}")
            headers.append((name.strip(), value.strip()))
        return RawResponse(version, int(code), reason, headers)

    def _read_chunked(self, timeout: float) -> bytes:
        body = b""
        while True:
            while b"\r\n" not in self.buf:
                expect(self._fill(timeout, "a chunk"), "the connection closed inside a chunk")
            size_line, _, self.buf = self.buf.partition(b"\r\n")
            try:
                size = int(size_line.split(b";")[0].strip(), 16)
            except ValueError:
                raise CheckFailure(
                    f"expected a chunk size in hexadecimal, got {shown(size_line)}"
                ) from None
            while len(self.buf) < size + 2:
                expect(self._fill(timeout, "a chunk"), "the connection closed inside a chunk")
            body += self._take(size)
            self._take(2)
            if size == 0:
                return body

    def after_answer(self, settle: float = SETTLE) -> tuple[str, bytes]:
        """What the connection does once an answer was read in full: ``("closed", extra)`` when
        the server closed it (``extra``: any bytes it sent first), ``("data", extra)`` when more
        bytes came, ``("open", b"")`` when nothing came within ``settle`` seconds."""
        extra = self._take(len(self.buf))
        deadline = time.monotonic() + settle
        while True:
            if self.eof:
                return "closed", extra
            left = deadline - time.monotonic()
            if left <= 0:
                return ("data", extra) if extra else ("open", b"")
            readable, _, _ = select.select([self.sock], [], [], left)
            if not readable:
                continue
            with contextlib.suppress(CheckFailure):
                self._fill(self.wire.timeout, "more bytes")
            extra += self._take(len(self.buf))
            if extra and not self.eof:
                deadline = min(deadline, time.monotonic() + 0.05)  # read the rest of a burst

    def closed_within(self, seconds: float) -> bool:
        """Whether the server closes the connection within ``seconds`` (bytes it sends first
        are kept in the buffer)."""
        deadline = time.monotonic() + seconds
        while not self.eof:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            readable, _, _ = select.select([self.sock], [], [], left)
            if readable:
                with contextlib.suppress(CheckFailure):
                    self._fill(self.wire.timeout, "the connection to close")
        return True


class Wire:
    """Raw HTTP/1.1 over TCP to the learner's server (fixture ``wire``)."""

    def __init__(self, api, timeout: float):
        url = urlsplit(str(api.base_url))
        self.api = api
        self.host = url.hostname or "127.0.0.1"
        self.port = url.port or 80
        self.origin = f"http://{self.host}:{self.port}"
        self.timeout = timeout
        self._patience: float | None = None
        self.baseline = 0.0  # seconds GET /health takes, measured by patience()

    def connect(self) -> Conn:
        return Conn(self)

    def exchange(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        repro: str | None = None,
    ) -> tuple[RawResponse, str, bytes]:
        """One request with ``Connection: close`` on a fresh connection: the answer, then what
        the connection did after it (see :meth:`Conn.after_answer`)."""
        with self.connect() as conn:
            conn.request(method, path, headers=headers, body=body, close=True, repro=repro)
            resp = conn.read_response(method)
            state, extra = conn.after_answer()
            return resp, state, extra

    # -- the record --------------------------------------------------------------------------

    def record(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
        *,
        repro: str | None = None,
    ) -> RawExchange:
        """Add a raw request to the ``api`` record (a failure shows the last one sent)."""
        shown_headers = {k: v for k, v in headers.items() if k not in ("Host", "Content-Length")}
        ex = RawExchange(method, self.origin + path, shown_headers, body or None)
        ex.repro = repro or self.curl(method, path, shown_headers, body)
        self.api.exchanges.append(ex)
        return ex

    def curl(self, method: str, path: str, headers: dict[str, str], body: bytes) -> str:
        parts = ["curl", "-i"]
        if method == "HEAD":
            parts.append("--head")
        elif method != "GET" or body:
            parts += ["-X", method]
        parts.append(shlex.quote(self.origin + path))
        for name, value in headers.items():
            parts += ["-H", shlex.quote(f"{name}: {value}")]
        if body:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text = None
            if text is not None and len(text) <= 200:
                parts += ["--data-binary", shell_quote(text)]
            else:
                parts += ["--data-binary", f"@body.bin  # the {len(body)}-byte body"]
        return " ".join(parts)

    def nc(self, data: bytes) -> str:
        """A command that sends ``data`` as is and prints every byte of the answer."""
        text = data.decode("latin-1").replace("\\", "\\\\").replace("'", "'\\''")
        text = text.replace("\r", "\\r").replace("\n", "\\n").replace("%", "%%")
        return f"printf '{text}' | nc {self.host} {self.port}"

    # -- the server's own speed ---------------------------------------------------------------

    def patience(self) -> float:
        """How long to wait for something a correct server does at once (answer a refused
        body, close a connection): 30 times the server's own time for GET /health in this run,
        at least 3 s. Only a server waiting for something that never comes reaches it."""
        if self._patience is None:
            times = []
            with contextlib.suppress(CheckFailure, OSError):
                for _ in range(3):
                    t0 = time.monotonic()
                    with socket.create_connection((self.host, self.port), self.timeout) as s:
                        s.sendall(
                            f"GET /health HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                            "Connection: close\r\n\r\n".encode()
                        )
                        s.recv(1)
                    times.append(time.monotonic() - t0)
            self.baseline = statistics.median(times) if times else 0.1
            self._patience = max(3.0, 30 * self.baseline)
        return self._patience


@dataclass
class Allowed:
    """What a 405 answer said: the refused method and the Allow header's methods."""

    method: str
    path: str
    allow: list[str] = field(default_factory=list)


class Routes:
    """Checks of 405 answers and their Allow header, shared by several stages (``routes``)."""

    def __init__(self, api, wire: Wire):
        self.api = api
        self.wire = wire

    def expect_405(self, method: str, path: str, *, lists: tuple[str, ...]) -> Allowed:
        """``method path`` answers 405 with an Allow header that names every method in
        ``lists`` and not ``method``."""
        # No body: a body left unread is the keep-alive stage's concern, not this one's.
        resp = self.api.request(method, path, content=b"" if method in BODY_METHODS else None)
        expect(
            resp.status_code == 405,
            f"expected 405 Method Not Allowed for {method} {path} ({path} exists, but not for "
            f"{method}), got {resp.status_code}"
            + (
                " (501 means 'I do not know this method at all')" if resp.status_code == 501 else ""
            ),
        )
        raw = resp.headers.get("allow")
        wanted = ", ".join(lists)
        expect(
            raw is not None,
            f"expected the 405 for {method} {path} to carry an Allow header listing the methods "
            f"{path} answers ({wanted}), got none",
        )
        allow = tokens(raw)
        missing = [m for m in lists if m not in allow]
        expect(
            not missing,
            f"expected Allow on the 405 for {method} {path} to list {wanted} (method names in "
            f"capitals, separated by commas), got {raw!r}",
        )
        expect(
            method not in allow,
            f"expected Allow on the 405 for {method} {path} not to list {method}, the method "
            f"just refused, got {raw!r}",
        )
        return Allowed(method, path, allow)

    def expect_allow_is_true(self, allowed: Allowed) -> None:
        """Every method an Allow header lists is answered on that path (not 404, 405 or 501)."""
        for method in allowed.allow:
            if method not in KNOWN_METHODS or method == "GET":
                continue
            resp, _, _ = self.wire.exchange(method, allowed.path)
            expect(
                resp.status not in (404, 405, 501),
                f"the 405 for {allowed.method} {allowed.path} lists {method} in Allow "
                f"({', '.join(allowed.allow)}), but {method} {allowed.path} answers "
                f"{resp.status}: Allow must list exactly the methods the path answers",
            )


@pytest.fixture(scope="session")
def wire(api) -> Wire:
    """Raw HTTP/1.1 over TCP to the learner's server."""
    return Wire(api, timeout=api.timeout)


@pytest.fixture(scope="session")
def routes(api, wire) -> Routes:
    return Routes(api, wire)
