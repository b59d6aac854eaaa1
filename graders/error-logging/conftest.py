"""Shared set-up for the error-logging graders.

Two things are graded: what the server answers (RFC 9457 problems, ``X-Request-ID``) and what
it writes to its output (one JSON object per line). Log checks read the lines the server wrote
while a check ran (``server.log_position`` before, ``server.logs(since=...)`` after) and join
them to responses by request id, so lines of other checks or of the server's start never count.

``LOG_LEVEL`` is changed by restarting the server with another value in its environment (the
``log_level`` marker; see :class:`LevelSwitch`). Everything else runs at the server's default
level, with ``LOG_LEVEL`` unset.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import shlex
import socket
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from learnpath.grading.checks import (
    CheckFailure,
    expect,
    expect_field,
    expect_json,
    expect_status,
)

PROBLEM_JSON = "application/problem+json"
VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
MAX_BODY = 16 * 1024  # bytes; bodies over this answer 413
UNKNOWN_ORDER = 987654321
LOG_WAIT = 2.0  # seconds a check waits for a line it needs (a correct server needs far less)
# ... but when everything written by then is plain text, no JSON line is coming.
PLAIN_WAIT = 0.5
SETTLE = 0.2  # seconds to wait after the last expected line before judging absent ones
# The engine keeps the first 2000 characters of each line the server writes; a longer line
# (a JSON line with a long stack trace) arrives cut and is read leniently (``Line.cut``).
CUT = 2000
LEVELS = {"debug", "info", "warn", "warning", "error", "critical", "fatal"}
ERROR_LEVELS = {"error", "critical", "fatal"}
REQUIRED_FIELDS = ("timestamp", "level", "message")

# What must never be in a response body: stack traces, file paths, exception names, and the
# message of the exception GET /boom raises.
_PATHS = r"(?:^|[\s'\"(=:])/(?:tmp|home|root|usr|var|opt|srv|private|Users)/"
LEAKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Traceback \(most recent call last\)"), "a Python traceback"),
    (re.compile(r'File "[^"]+", line \d+'), "a Python stack frame"),
    (re.compile(r"^\s*at \S.*(?:\(.*:\d+:\d+\)|:\d+:\d+)\s*$", re.M), "a JavaScript stack frame"),
    (re.compile(r"\b(?:node_modules|site-packages|dist-packages)\b"), "a path of installed code"),
    (re.compile(r"[\w-]\.(?:py|js|mjs|cjs|ts)\b(?:\"?, line \d+|:\d+)"), "a source file and line"),
    (re.compile(r"\b[A-Z][A-Za-z0-9]*(?:Error|Exception)\b"), "an exception class name"),
    (re.compile(_PATHS), "a file path"),
    (
        re.compile(r"no such file or directory|\bENOENT\b|\[Errno \d+\]", re.I),
        "an OS error message",
    ),
)


def brief(resp: httpx.Response) -> str:
    """The status and the start of the body, for one-line failure messages."""
    text = " ".join(resp.text.split())
    return f"{resp.status_code} {text[:160]!r}"


def media_type(resp: httpx.Response) -> str:
    return resp.headers.get("content-type", "").split(";")[0].strip().lower()


def where(resp: httpx.Response) -> str:
    req = resp.request
    return f"{req.method} {req.url.raw_path.decode()}"


def strings_in(value: Any) -> Iterable[str]:
    """Every string inside a parsed JSON value (keys and values), at any depth."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def find_leak(text: str, extra: Iterable[str] = ()) -> str | None:
    """What in ``text`` should not be in a response (a description and the match), or None."""
    for pattern, what in LEAKS:
        match = pattern.search(text)
        if match:
            return f"{what} ({match.group(0).strip()[:80]!r})"
    for needle in extra:
        if needle and needle in text:
            return f"a path of the server's machine ({needle!r})"
    return None


def parse_timestamp(stamp: object) -> datetime | None:
    """An ISO-8601 date and time WITH a time zone (``Z`` or an offset), or None."""
    if not isinstance(stamp, str) or "T" not in stamp.upper():
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


# -- log lines ------------------------------------------------------------------------------

_PAIR = re.compile(
    r'"([A-Za-z_][\w.-]*)"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)'
)


@dataclass
class Line:
    """One line the server wrote, as a JSON object (``cut``: only its first CUT characters
    arrived, so ``fields`` holds the simple fields that could be read from them)."""

    raw: str
    fields: dict[str, Any]
    cut: bool = False

    def get(self, key: str) -> Any:
        return self.fields.get(key)

    @property
    def level(self) -> str:
        value = self.fields.get("level")
        return value.lower() if isinstance(value, str) else ""

    @property
    def request_id(self) -> Any:
        return self.fields.get("request_id")

    @property
    def is_access(self) -> bool:
        """The access line of a request: the one with ``duration_ms``."""
        return "duration_ms" in self.fields

    def text(self) -> str:
        """Everything in the line as text: the raw line and its decoded strings (so escaped
        newlines of a stack trace are real newlines here)."""
        return self.raw + "\n" + "\n".join(strings_in(self.fields))

    def shown(self, n: int = 300) -> str:
        return self.raw if len(self.raw) <= n else self.raw[:n] + "…"


def _fields_of_cut(text: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in _PAIR.findall(text):
        if key not in found:
            try:
                found[key] = json.loads(value)
            except ValueError:
                continue
    return found


class Lines(list):
    """The JSON lines of the server's output (a list of :class:`Line`), and in ``bad`` the
    lines that are not JSON objects."""

    def __init__(self, lines: Iterable[Line] = (), bad: Iterable[str] = ()) -> None:
        super().__init__(lines)
        self.bad = list(bad)


def parse_lines(raw_lines: list[str]) -> Lines:
    """The JSON lines, and the lines that are not JSON objects (blank lines are ignored)."""
    lines = Lines()
    after_cut = False
    for raw in raw_lines:
        text = raw.strip()
        if not text:
            continue
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, dict):
            lines.append(Line(raw, value))
            after_cut = False
        elif value is None and len(raw) >= CUT and text.startswith("{"):
            lines.append(Line(raw, _fields_of_cut(text), cut=True))
            after_cut = True
        elif value is None and after_cut:
            after_cut = len(raw) >= CUT  # the rest of a line too long to read at once
        else:
            lines.bad.append(raw)
            after_cut = False
    return lines


class Logs:
    """The server's output since a mark, parsed; wait for the lines a check needs."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.mark = server.log_position

    def raw(self) -> list[str]:
        return self.server.logs(1000, since=self.mark)

    def read(self) -> Lines:
        return parse_lines(self.raw())

    def wait(
        self,
        ready: Callable[[Lines], bool],
        enough: Callable[[Lines], bool] = lambda lines: False,
        timeout: float = LOG_WAIT,
    ) -> Lines:
        """The lines, once ``ready(lines)`` holds, or ``enough(lines)`` has held for a while,
        or the time is up (the caller checks what it got)."""
        started = time.monotonic()
        while True:
            lines = self.read()
            waited = time.monotonic() - started
            plain = lines.bad and not any(ln.request_id for ln in lines)
            if (
                ready(lines)
                or waited > timeout
                or (waited > PLAIN_WAIT and (plain or enough(lines)))
            ):
                return lines
            time.sleep(0.05)

    def wait_for_access(self, *ids: str, settle: float = 0.0) -> Lines:
        """The lines once every request id in ``ids`` has its access line (or every one has
        some line, and the access lines did not follow: they are not coming)."""
        lines = self.wait(
            lambda ls: all(any(ln.is_access for ln in of(ls, i)) for i in ids),
            lambda ls: all(of(ls, i) for i in ids),
        )
        if settle:
            time.sleep(settle)
            lines = self.read()
        return lines


def of(lines: list[Line], rid: str) -> list[Line]:
    """The lines of one request."""
    return [ln for ln in lines if ln.request_id == rid]


def show(lines: list[Line], limit: int = 4) -> str:
    bad = getattr(lines, "bad", [])
    if not lines and bad:
        return f"none as JSON ({len(bad)} other lines, e.g. {bad[-1][:160]!r})"
    if not lines:
        return "none"
    shown = " | ".join(ln.shown(240) for ln in lines[:limit])
    return shown + (f" | … ({len(lines) - limit} more)" if len(lines) > limit else "")


_TRACEBACK = re.compile(r"Traceback \(most recent call last\)")
_PY_FRAME = re.compile(r'File \\?"[^"\\]+\\?", line \d+')
_JS_FRAME = re.compile(r"^\s*at \S.*(?:\(.*:\d+:\d+\)|:\d+:\d+)\s*$", re.M)
_JS_FRAME_ESCAPED = re.compile(r"\\n\s+at \S+.*?:\d+:\d+")


def has_stack(line: Line) -> bool:
    """Whether the line holds a stack trace (Python's or JavaScript's), whole or cut."""
    text = line.text()
    return bool(
        _TRACEBACK.search(text)
        or _PY_FRAME.search(text)
        or _JS_FRAME.search(text)
        or _JS_FRAME_ESCAPED.search(line.raw)
    )


def mentioning(lines: list[Line], needle: str) -> list[Line]:
    return [ln for ln in lines if needle in ln.raw]


def access_line(lines: list[Line], rid: str, what: str) -> Line:
    """The one access line (the line with ``duration_ms``) of the request ``rid``."""
    own = of(lines, rid)
    access = [ln for ln in own if ln.is_access]
    if not own:
        near = mentioning(lines, rid)
        bad = getattr(lines, "bad", [])
        if near:
            hint = f'; the id is in these lines, but not as "request_id": {show(near, 2)}'
        elif bad and not lines:
            hint = (
                f"; your server wrote {len(bad)} lines meanwhile, none of them a JSON object, "
                f"e.g. {bad[-1][:200]!r}"
            )
        else:
            hint = f"; the JSON lines written meanwhile: {show(lines)}"
        raise CheckFailure(
            f'expected an access line with "request_id": "{rid}" for {what} (one JSON line '
            f"with request_id, method, path, status and duration_ms), found no line with that "
            f"request_id{hint}"
        )
    expect(
        len(access) == 1,
        f"expected exactly one access line (the line with duration_ms) for {what} "
        f"(request_id {rid}), found {len(access)}: {show(own)}",
    )
    return access[0]


# -- requests -------------------------------------------------------------------------------


def raw_request(url: str, head: str, parts: list[bytes], pause: float) -> tuple[int, float]:
    """Send one request over a plain socket, ``pause`` seconds between the body's parts;
    returns the status and the seconds from connecting to the end of the answer."""
    parsed = httpx.URL(url)
    started = time.monotonic()
    with socket.create_connection((parsed.host, parsed.port or 80), timeout=15) as sock:
        sock.sendall(head.encode("latin-1"))
        for i, part in enumerate(parts):
            if i:
                time.sleep(pause)
            sock.sendall(part)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    took = time.monotonic() - started
    status_line = data.split(b"\r\n", 1)[0].decode("latin-1")
    match = re.match(r"HTTP/1\.[01] (\d{3})", status_line)
    expect(match is not None, f"expected an HTTP answer, got {data[:80]!r}")
    assert match is not None
    return int(match.group(1)), took


def send_chunked(
    base_url: str, path: str, body: bytes, headers: dict[str, str]
) -> tuple[httpx.Response, str]:
    """POST ``body`` with ``Transfer-Encoding: chunked`` (no Content-Length); the answer and a
    curl command that sends the same. The recording client sends bodies with a length, so
    this one goes on its own."""
    hdrs = {"Content-Type": "application/json", **headers}
    parts = [body[i : i + 4096] for i in range(0, len(body), 4096)]
    curl = " ".join(
        [
            "curl -i -X POST",
            shlex.quote(base_url + path),
            *(f"-H {shlex.quote(f'{k}: {v}')}" for k, v in hdrs.items()),
            "-H 'Transfer-Encoding: chunked'",
            f"--data-binary @body.json  # body.json: {len(body)} bytes",
        ]
    )
    try:
        with httpx.Client(base_url=base_url, timeout=10, trust_env=False) as client:
            resp = client.post(path, content=iter(parts), headers=hdrs)
            resp.read()
    except httpx.HTTPError as exc:
        raise CheckFailure(f"POST {path} with a chunked body failed: {exc}; try: {curl}") from None
    return resp, curl


@dataclass
class RawAnswer:
    """An answer read from a plain socket."""

    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes


def raw_send(
    url: str, method: str, path: str, headers: dict[str, str], body: bytes, gate: threading.Barrier
) -> RawAnswer:
    """One request on a connection of its own: its head once every thread is at ``gate``, its
    body once every head is sent (so the server has every request open at once)."""
    parsed = httpx.URL(url)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {parsed.host}:{parsed.port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    with socket.create_connection((parsed.host, parsed.port or 80), timeout=10) as sock:
        gate.wait(timeout=10)
        sock.sendall(head)
        gate.wait(timeout=10)
        time.sleep(0.05)  # let the server take in every head first
        data = b""
        try:
            if body:
                sock.sendall(body)  # the server may have answered (and closed) without it
        except OSError:
            pass
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except ConnectionResetError:
            if not data:
                raise
    answer_head, _, content = data.partition(b"\r\n\r\n")
    head_lines = answer_head.decode("latin-1").split("\r\n")
    match = re.match(r"HTTP/1\.[01] (\d{3})", head_lines[0])
    if match is None:
        raise CheckFailure(f"{method} {path}: expected an HTTP answer, got {data[:80]!r}")
    found = {}
    for line in head_lines[1:]:
        name, _, value = line.partition(":")
        found[name.strip().lower()] = value.strip()
    if "chunked" in found.get("transfer-encoding", "").lower():
        content = _unchunk(content)
    return RawAnswer(int(match.group(1)), found, content)


def _unchunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return out


@dataclass
class Together:
    """One of the requests :func:`at_once` sends."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""

    def curl(self, base_url: str) -> str:
        parts = ["curl -i", *(["-X", self.method] if self.method != "GET" else [])]
        parts.append(shlex.quote(base_url + self.path))
        parts += [f"-H {shlex.quote(f'{k}: {v}')}" for k, v in self.headers.items()]
        if self.body:
            parts.append(f"-d {shlex.quote(self.body.decode())}")
        return " ".join(parts)


def sixteen(uid: str, account: Account, what: str) -> list[Together]:
    """Sixteen requests that each take a path of their own: eight GETs of orders that do not
    exist (handlers that run in a thread pool) and eight POSTs of a JSON body to unknown paths
    (bodies are read as they arrive), each with its own X-Request-ID."""
    made = []
    for n in range(16):
        rid = {"X-Request-ID": f"lp-{uid}-{what}-{n}"}
        if n % 2:
            made.append(Together("GET", f"/orders/{UNKNOWN_ORDER + n}", {**account.auth, **rid}))
        else:
            body = json.dumps({"note": f"request {n}", "padding": "x" * 2000}).encode()
            headers = {"Content-Type": "application/json", **rid}
            made.append(Together("POST", f"/no-such-page-{uid}/{what}-{n}", headers, body))
    return made


def at_once(base_url: str, requests: list[Together]) -> list[RawAnswer]:
    """Send the requests at the same moment, each on its own connection; the answers in the
    same order."""
    gate = threading.Barrier(len(requests))
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        futures = [
            pool.submit(raw_send, base_url, r.method, r.path, r.headers, r.body, gate)
            for r in requests
        ]
        try:
            return [f.result() for f in futures]
        except (OSError, threading.BrokenBarrierError) as exc:
            raise CheckFailure(f"{len(requests)} requests at once: one failed ({exc})") from None


# -- the shop -------------------------------------------------------------------------------


@dataclass
class Account:
    username: str
    password: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Shop:
    """Set-up helpers and the checks every stage shares."""

    api: Any
    server: Any
    uid: str
    _serial: itertools.count = field(default_factory=lambda: itertools.count(1))
    accounts: dict[int, Account] = field(default_factory=dict)  # by LevelSwitch.restarts

    def n(self) -> int:
        return next(self._serial)

    def rid(self, what: str = "req") -> str:
        """A request id unique to this run, e.g. ``lp-3f9a2c-req-7``."""
        return f"lp-{self.uid}-{what}-{self.n()}"

    def secret(self, what: str) -> str:
        return f"{what}-{self.uid}-{secrets.token_hex(8)}"

    def username(self, what: str = "user") -> str:
        return f"{what}_{self.uid}_{self.n()}"

    # -- set-up steps ---------------------------------------------------------------------

    def register(self, username: str, password: str, headers: dict | None = None) -> None:
        resp = self.api.post(
            "/users", json={"username": username, "password": password}, headers=headers
        )
        expect(
            resp.status_code == 201,
            f"setup: POST /users with a new username should answer 201, got {brief(resp)}",
        )

    def login(self, username: str, password: str, headers: dict | None = None) -> str:
        resp = self.api.post(
            "/login", json={"username": username, "password": password}, headers=headers
        )
        expect(
            resp.status_code == 200,
            f"setup: POST /login with the right password should answer 200, got {brief(resp)}",
        )
        token = expect_field(expect_json(resp), "token", str)
        return token

    def account(self) -> Account:
        username, password = self.username(), self.secret("pw")
        self.register(username, password)
        return Account(username, password, self.login(username, password))

    def order_body(self, item: str, card: str = "4000056655665556", cvc: str = "737") -> dict:
        return {"item": item, "quantity": 2, "payment": {"card_number": card, "cvc": cvc}}

    # -- shared checks --------------------------------------------------------------------

    def machine_paths(self) -> list[str]:
        """Folders of the machine the server runs on that must not show in an answer."""
        found = [str(self.server.project_dir)]
        if self.server.database_path is not None:
            found.append(str(self.server.database_path.parent))
        return [p for p in found if len(p) > 4]

    def check_problem(self, resp: httpx.Response, status: int | tuple[int, ...]) -> dict:
        """An RFC 9457 problem: the status, ``application/problem+json``, ``type``, ``title``,
        ``detail`` (strings), ``status`` (the number), ``instance`` (the request's path), and
        nothing in the body that belongs in a log. Returns the body."""
        expect_status(resp, status)
        at = where(resp)
        expect(
            media_type(resp) == PROBLEM_JSON,
            f"expected Content-Type application/problem+json for the {resp.status_code} of {at} "
            f"(an RFC 9457 problem), got {resp.headers.get('content-type')!r}: {brief(resp)}",
        )
        body = expect_json(resp)
        expect(isinstance(body, dict), f"expected the problem of {at} to be a JSON object")
        for name in ("type", "title", "detail"):
            value = expect_field(body, name, str)
            expect(value.strip() != "", f"expected the problem's {name} of {at} to be non-empty")
        got = expect_field(body, "status", int)
        expect(
            got == resp.status_code,
            f"expected the problem's status of {at} to be the HTTP status {resp.status_code}, "
            f"got {got!r}",
        )
        instance = expect_field(body, "instance", str)
        path = resp.request.url.path
        expect(
            instance == path,
            f"expected the problem's instance of {at} to be the request's path {path!r}, got "
            f"{instance!r}",
        )
        text = resp.text + "\n" + "\n".join(strings_in(body))
        leak = find_leak(text, self.machine_paths())
        expect(
            leak is None,
            f"the {resp.status_code} problem of {at} shows {leak}: stack traces, file paths and "
            f"exception names belong in your log, never in a response. Got: {brief(resp)}",
        )
        return body


# -- LOG_LEVEL ------------------------------------------------------------------------------


class LevelSwitch:
    """Runs the server with a given ``LOG_LEVEL`` (None: unset), restarting it only when the
    level changes. ``server.restart(env=...)`` sets the value for this and later starts, and
    None removes it, also one inherited from the learner's shell, so that the default level
    really is the server's own default."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.current = os.environ.get("LOG_LEVEL")
        self.restarts = 0  # how often the server was restarted (tokens may not survive it)

    def use(self, level: str | None) -> None:
        if level == self.current:
            return
        if level is not None:
            self.server.require_started("changing LOG_LEVEL means restarting your server")
        if not self.server.started:
            return  # --url: the server runs at whatever level it was started with
        self.current = level
        self.restarts += 1
        self.server.restart(env={"LOG_LEVEL": level})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "log_level(value): run the check with LOG_LEVEL=value (restarts the server)"
    )


@pytest.fixture(scope="session")
def levels(server) -> LevelSwitch:
    return LevelSwitch(server)


@pytest.fixture(autouse=True)
def _log_level(request, levels) -> None:
    """Every check runs at the level its ``log_level`` marker names, else with it unset."""
    marker = request.node.get_closest_marker("log_level")
    levels.use(marker.args[0] if marker else None)


@pytest.fixture(scope="session")
def shop(api, server, uid) -> Shop:
    return Shop(api, server, uid)


@pytest.fixture
def account(shop, levels, _log_level) -> Account:
    """A user with a token, made once and logged in again after a restart (at the level the
    check runs at, so its requests are logged like the check's own)."""
    made = shop.accounts.get(levels.restarts)
    if made is None:
        known = next(iter(shop.accounts.values()), None)
        if known is None:
            made = shop.account()
        else:
            made = Account(
                known.username, known.password, shop.login(known.username, known.password)
            )
        shop.accounts[levels.restarts] = made
    return made


@pytest.fixture
def logs(server) -> Logs:
    """The server's lines from the start of the check on (skipped with --url: the grader
    only sees the output of a server it starts)."""
    server.require_started(
        "the grader reads your server's output, which it sees only for a server it starts itself"
    )
    return Logs(server)


def near_now(stamp: datetime) -> bool:
    now = datetime.now(UTC)
    return abs(stamp - now) <= timedelta(minutes=5)
