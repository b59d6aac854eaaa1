"""Shared set-up for the owasp-probes graders: users and documents, clients on other loopback
addresses, and the two servers the SSRF checks aim the import at.

Users are registered per check (emails carry the run's ``uid`` and a serial number) and work
with the token sign-up answers, so checks never depend on each other and hardly ever log in:
log-ins are rate limited (stage rate-limits), and every log-in a check of another stage sends
goes out from an address of its own (``127.x.y.z``) when the system allows it.

The grader has no internet, so the "public" server an import may fetch is a local one the
grader lists in ``ALLOWED_FETCH_HOSTS``; the internal one holds a secret and records every
connection. Both variables the server needs for the last two stages (``ALLOWED_FETCH_HOSTS``
and a short ``RATE_LIMIT_WINDOW_SECONDS``) can only be given at start-up, so the ``targets``
fixture restarts the learner's server once with them.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import secrets
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from learnpath.grading.addresses import Addresses as LoopbackAddresses
from learnpath.grading.checks import CheckFailure, expect, expect_field, expect_json
from learnpath.grading.client import Api

WINDOW = 4  # RATE_LIMIT_WINDOW_SECONDS given to a server the grader starts
LOGIN_LIMIT = 5
EXPORT_LIMIT = 3
MAX_LOGIN_WAIT = 10  # seconds a check of another stage waits for a log-in limit to pass
SECRET_WORDS = re.compile(r"password|hash|salt", re.IGNORECASE)


def brief(resp: httpx.Response) -> str:
    """The status and the start of the body, for one-line messages."""
    text = " ".join(resp.text.split())
    return f"{resp.status_code} {text[:160]!r}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def has_errors(resp: httpx.Response) -> bool:
    try:
        body = resp.json()
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("errors"), dict) and bool(body["errors"])


# -- users and documents --------------------------------------------------------------------


@dataclass
class User:
    """A user registered for this grading run, with the token sign-up answered."""

    email: str
    password: str
    name: str
    id: int
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return bearer(self.token)


class Docs:
    """Set-up helpers. Set-up steps accept any 2xx: exact statuses are graded by their stage."""

    def __init__(self, api: Api, uid: str, server) -> None:
        self.api = api
        self.uid = uid
        self.server = server
        self._serial = itertools.count(1)

    def unique(self, word: str) -> str:
        """``word`` made unique to this run and call: ``word-k3f9a2-4``."""
        return f"{word}-{self.uid}-{next(self._serial)}"

    def email(self, role: str) -> str:
        return f"{role}_{self.uid}_{next(self._serial)}@example.com"

    def register(self, role: str) -> User:
        email = self.email(role)
        password = f"pw-{role}-{self.uid}-Secret"
        name = role.capitalize()
        resp = self.api.post(
            "/api/users", json={"email": email, "password": password, "name": name}
        )
        expect(
            200 <= resp.status_code < 300,
            f"setup: signing up {email} with POST /api/users should succeed (see stage "
            f"functional), got {brief(resp)}",
        )
        body = expect_json(resp)
        user_id = expect_field(body, "user.id", int)
        token = expect_field(body, "token", str)
        return User(email, password, name, user_id, token)

    def create(self, user: User, title: str, body: str = "") -> dict:
        resp = self.api.post(
            "/api/documents", json={"title": title, "body": body}, headers=user.auth
        )
        expect(
            200 <= resp.status_code < 300,
            f"setup: creating a document with POST /api/documents should succeed (see stage "
            f"functional), got {brief(resp)}",
        )
        doc = expect_field(expect_json(resp), "document", dict)
        expect_field(doc, "id", int)
        return doc

    def comment(self, user: User, doc_id: int, body: str) -> dict:
        resp = self.api.post(
            f"/api/documents/{doc_id}/comments", json={"body": body}, headers=user.auth
        )
        expect(
            200 <= resp.status_code < 300,
            f"setup: commenting with POST /api/documents/{doc_id}/comments should succeed "
            f"(see stage functional), got {brief(resp)}",
        )
        return expect_field(expect_json(resp), "comment", dict)

    def read(self, user: User, doc_id: int, what: str) -> dict:
        """The document as its owner reads it now (which must still work)."""
        resp = self.api.get(f"/api/documents/{doc_id}", headers=user.auth)
        expect(
            resp.status_code == 200,
            f"expected the owner to read document {doc_id} ({what}) with GET "
            f"/api/documents/{doc_id}: 200, got {brief(resp)}",
        )
        return expect_field(expect_json(resp), "document", dict)

    def listing(self, user: User, what: str, **params) -> list[dict]:
        """``GET /api/documents`` with ``params``; fails unless it answers 200 and a list."""
        resp = self.api.get("/api/documents", params=params, headers=user.auth)
        expect(
            resp.status_code == 200,
            f"expected status 200 for {what}, got {brief(resp)}",
        )
        docs = expect_field(expect_json(resp), "documents", list)
        expect(
            all(isinstance(d, dict) for d in docs),
            f"expected the documents of {what} to be objects, got {docs[:3]!r}",
        )
        return docs

    # -- the database ---------------------------------------------------------------------

    def database(self) -> Path:
        self.server.require_started(
            "the grader reads the database file learnpath gives your server"
        )
        path = self.server.database_path
        expect(
            path is not None and path.is_file(),
            f"expected your server to keep its SQLite database in $DATABASE_PATH ({path}), "
            "found no file there",
        )
        return path

    def stored_hash(self, user: User) -> str:
        path = self.database()
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
            try:
                row = conn.execute(
                    "SELECT password_hash FROM users WHERE email = ?", (user.email,)
                ).fetchone()
            finally:
                conn.close()
        except sqlite3.Error as exc:
            pytest.skip(f"could not read users.password_hash from {path.name}: {exc}")
        if not row or not row[0]:
            pytest.skip(f"no users.password_hash for {user.email} in {path.name}")
        return str(row[0])

    def make_admin(self, user: User) -> None:
        """``UPDATE users SET role = 'admin'``: how admins are made (skipped with --url)."""
        path = self.database()
        try:
            conn = sqlite3.connect(path, timeout=10)
            try:
                with conn:
                    changed = conn.execute(
                        "UPDATE users SET role = 'admin' WHERE email = ?", (user.email,)
                    ).rowcount
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise CheckFailure(
                f"setup: could not make {user.email} an admin with `UPDATE users SET role = "
                f"'admin' WHERE email = ?` in {path.name}: {exc} (the users table's email and "
                "role columns are part of the contract)"
            ) from None
        expect(changed == 1, f"setup: no row in users has email {user.email!r}")


@pytest.fixture(scope="session")
def docs(api, uid, server) -> Docs:
    return Docs(api, uid, server)


# -- other addresses of the loopback network --------------------------------------------------


class Addresses(LoopbackAddresses):
    """Fresh client addresses, and log-ins that never count towards a per-address limit."""

    def login(self, email: str, password: str) -> httpx.Response:
        """``POST /api/login`` for a check that is not about rate limits: from a fresh address,
        so that it never counts towards a limit; where the system has no other address, from
        127.0.0.1, waiting out a short limit once."""
        client = self.client_or_main()
        body = {"email": email, "password": password}
        resp = client.post("/api/login", json=body)
        if resp.status_code == 429 and client is self.api:
            wait = resp.headers.get("retry-after", "").strip()
            if not wait.isdigit() or int(wait) > MAX_LOGIN_WAIT:
                pytest.skip(
                    f"your server limits log-ins from 127.0.0.1 (Retry-After {wait or 'none'}) "
                    f"and this system cannot send from other addresses: {self._why_not}"
                )
            time.sleep(int(wait) + 0.3)
            resp = client.post("/api/login", json=body)
        return resp


@pytest.fixture(scope="session")
def addresses(api, uid) -> Iterator[Addresses]:
    made = Addresses(api, uid)
    yield made
    for client in made.clients:
        client.close()


# -- the servers an import is aimed at ------------------------------------------------------


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # a reset is not our business
        pass


class PublicServer:
    """The "public" server of the SSRF checks (in ALLOWED_FETCH_HOSTS). It serves
    ``/notes/<name>`` (a text with the run's token in it) and ``/redirect?to=<url>``."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.hits: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                owner.hits.append(self.path)
                parts = urlsplit(self.path)
                if parts.path.startswith("/notes/"):
                    body = owner.text(parts.path.removeprefix("/notes/")).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if parts.path == "/redirect":
                    query = parse_qs(parts.query)
                    self.send_response(int(query.get("code", ["302"])[0]))
                    self.send_header("Location", query.get("to", ["/"])[0])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = _Quiet(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def text(self, name: str) -> str:
        return f"Imported note {name}: the public server's text, {self.token}.\n"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class InternalServer:
    """The internal server nothing may reach: it records every connection (whatever is sent
    over it, HTTP or not) and answers HTTP requests with its secret. It listens on 127.0.0.1
    and, where the system has IPv6, on [::1] with the same port."""

    def __init__(self) -> None:
        self.secret = f"internal-secret-{secrets.token_hex(8)}"
        self.connections: list[str] = []
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        v4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        v4.bind(("127.0.0.1", 0))
        self.port = v4.getsockname()[1]
        self._listen(v4)
        self.ipv6: str | None = None
        try:
            v6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            v6.bind(("::1", self.port))
            self._listen(v6)
        except OSError as exc:
            self.ipv6 = f"cannot listen on [::1]:{self.port} here ({exc.strerror or exc})"
        self._closed = False

    def _listen(self, sock: socket.socket) -> None:
        sock.listen(16)
        self._sockets.append(sock)
        threading.Thread(target=self._accept, args=(sock,), daemon=True).start()

    def _accept(self, sock: socket.socket) -> None:
        while True:
            try:
                conn, peer = sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn, peer), daemon=True).start()

    def _serve(self, conn: socket.socket, peer) -> None:
        with conn:
            conn.settimeout(2)
            try:
                data = conn.recv(2048)
            except OSError:
                data = b""
            first = data.split(b"\r\n", 1)[0].decode("latin-1", "replace")[:80]
            with self._lock:
                self.connections.append(f"from {peer[0]}: {first or '(nothing sent)'}")
            if data[:8].split(b" ")[0] in (b"GET", b"HEAD", b"POST", b"PUT", b"OPTIONS"):
                body = f"{self.secret}\n".encode()
                head = (
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
                )
                with contextlib.suppress(OSError):
                    conn.sendall(head.encode() + body)
            else:
                with contextlib.suppress(OSError):
                    conn.sendall(f"{self.secret}\r\n".encode())

    def count(self) -> int:
        with self._lock:
            return len(self.connections)

    def since(self, mark: int) -> list[str]:
        with self._lock:
            return self.connections[mark:]

    def close(self) -> None:
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.close()


@dataclass
class Targets:
    public: PublicServer
    internal: InternalServer
    configured: bool  # whether the server was restarted with ALLOWED_FETCH_HOSTS
    why_not: str = ""

    @property
    def secret(self) -> str:
        return self.internal.secret


@pytest.fixture(scope="session")
def targets(server, uid) -> Iterator[Targets]:
    """Start both servers and restart the learner's server with ALLOWED_FETCH_HOSTS and
    RATE_LIMIT_WINDOW_SECONDS (a server started elsewhere, with --url, keeps its settings)."""
    public = PublicServer(f"token-{uid}-{secrets.token_hex(4)}")
    internal = InternalServer()
    configured, why = False, ""
    if server.started:
        extra = {
            "ALLOWED_FETCH_HOSTS": f"127.0.0.1:{public.port}",
            "RATE_LIMIT_WINDOW_SECONDS": str(WINDOW),
        }
        server.restart(env=extra)
        configured = True
    else:
        why = (
            "with --url the grader cannot put its test server's port into your ALLOWED_FETCH_HOSTS"
        )
    try:
        yield Targets(public, internal, configured, why)
    finally:
        public.close()
        internal.close()


@pytest.fixture(scope="session")
def window(targets, server) -> float | None:
    """The rate-limit window the server was given (None: not known, with --url)."""
    return float(WINDOW) if targets.configured else None


def timed_burst(client: Api, count: int, send) -> tuple[list[httpx.Response], float]:
    """``send(client, i)`` ``count`` times in a row; the answers and the seconds from the
    start of the first to the start of the last."""
    answers = []
    start = time.monotonic()
    last_start = start
    for i in range(count):
        last_start = time.monotonic()
        answers.append(send(client, i))
    return answers, last_start - start


class Kit:
    """The helpers above, for graders (through the ``kit`` fixture: graders are loaded with
    pytest's importlib mode, so they cannot import this module)."""

    WINDOW = WINDOW
    LOGIN_LIMIT = LOGIN_LIMIT
    EXPORT_LIMIT = EXPORT_LIMIT
    SECRET_WORDS = SECRET_WORDS
    brief = staticmethod(brief)
    bearer = staticmethod(bearer)
    has_errors = staticmethod(has_errors)
    timed_burst = staticmethod(timed_burst)


@pytest.fixture(scope="session")
def kit() -> Kit:
    return Kit()
