"""Shared set-up for the auth-jwt graders: users, tokens, the database file, forged JWTs and
requests from other addresses of the loopback network.

Users are registered per test (their emails carry the run's ``uid`` and a serial number), so
checks never depend on each other and a lockout in one cannot spill into another. Set-up steps
accept any 2xx answer: the exact status of, say, a registration is graded by its own stage.

Failed logins count towards the server's per-address limit (stage lockout). So that checks of
earlier stages never add up to it, every login meant to fail is sent from an address of its
own (``127.x.y.z``) when the system allows it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from learnpath.grading.addresses import Addresses
from learnpath.grading.checks import CheckFailure, expect, expect_field, expect_json, expect_status
from learnpath.grading.client import Api

ISSUER = "learnpath-auth"
AUDIENCE = "learnpath-api"
MAX_ACCESS_SECONDS = 900
CLOCK_TOLERANCE = 300  # iat must be this close to the grader's clock
EMAIL_LIMIT = 5
IP_LIMIT = 10
MAX_RETRY_AFTER = 900


# -- users and tokens -----------------------------------------------------------------------


@dataclass
class User:
    """A user registered for this grading run."""

    email: str
    password: str
    id: int | None = None


def brief(resp: httpx.Response) -> str:
    """The status and the start of the body, for one-line set-up failure messages."""
    text = " ".join(resp.text.split())
    return f"{resp.status_code} {text[:160]!r}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def check_error(resp: httpx.Response, status: int, what: str) -> None:
    """``status`` with a JSON ``errors`` object."""
    expect_status(resp, status)
    body = expect_json(resp)
    expect(
        isinstance(body, dict) and isinstance(body.get("errors"), dict) and body["errors"],
        f"expected a JSON body with a non-empty 'errors' object for the {status} of {what}, "
        f"got {brief(resp)}",
    )


class Auth:
    """Set-up helpers: register users, log them in, refresh, read the current user."""

    def __init__(self, api: Api, uid: str, server) -> None:
        self.api = api
        self.uid = uid
        self.server = server
        self._serial = itertools.count(1)

    def email(self, role: str) -> str:
        """An email unique to this run, e.g. ``bob_k3f9a2_4@example.com``."""
        return f"{role}_{self.uid}_{next(self._serial)}@example.com"

    def password(self, role: str) -> str:
        return f"pw-{role}-{self.uid}-{next(self._serial)}-Secret"

    def register(self, role: str, password: str | None = None) -> User:
        user = User(self.email(role), password or self.password(role))
        resp = self.api.post("/api/users", json={"email": user.email, "password": user.password})
        expect(
            200 <= resp.status_code < 300,
            f"setup: registering {user.email} with POST /api/users should succeed (see stage "
            f"passwords), got {brief(resp)}",
        )
        user.id = expect_field(expect_json(resp), "user.id", int)
        return user

    @staticmethod
    def known(email: str, password: str) -> User:
        """A user made some other way (a registration under test, an SQL insert)."""
        return User(email, password)

    def login_response(self, user: User, via: Api | None = None, password: str | None = None):
        body = {"email": user.email, "password": user.password if password is None else password}
        return (via or self.api).post("/api/login", json=body)

    def login(self, user: User, via: Api | None = None) -> dict:
        """The token answer of a successful login: ``access_token``, ``refresh_token``, ..."""
        resp = self.login_response(user, via)
        expect(
            resp.status_code == 200,
            f"setup: logging in as {user.email} with POST /api/login should answer 200 (see "
            f"stage passwords), got {brief(resp)}",
        )
        body = expect_json(resp)
        expect_field(body, "access_token", str)
        expect_field(body, "refresh_token", str)
        return body

    def access(self, user: User) -> str:
        return self.login(user)["access_token"]

    def me(self, token: str, via: Api | None = None) -> httpx.Response:
        return (via or self.api).get("/api/me", headers=bearer(token))

    def refresh(self, refresh_token: object) -> httpx.Response:
        return self.api.post("/api/token/refresh", json={"refresh_token": refresh_token})

    # -- the database ---------------------------------------------------------------------

    def database(self) -> Path:
        """The SQLite file learnpath gave the server this run (``$DATABASE_PATH``)."""
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

    def stored_hash(self, email: str) -> str:
        """``users.password_hash`` of ``email``, as text."""
        path = self.database()
        try:
            row = read_rows(path, "SELECT password_hash FROM users WHERE email = ?", (email,))
        except sqlite3.Error as exc:
            raise CheckFailure(
                f"could not read users.password_hash from {path.name} ({exc}): the table "
                "users(id, email, password_hash, role) is part of the contract"
            ) from None
        expect(
            bool(row),
            f"expected a row in users with email {email!r} in {path.name} (emails stored in "
            "lower case, as sent)",
        )
        value = row[0][0]
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)

    def write_sql(self, sql: str, params: tuple, what: str) -> int:
        """Run one write in the server's database (as an operator would); the row id."""
        path = self.database()
        try:
            conn = sqlite3.connect(path, timeout=10)
            try:
                with conn:
                    cursor = conn.execute(sql, params)
                return int(cursor.lastrowid or cursor.rowcount)
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise CheckFailure(
                f"setup: could not {what} with `{sql}` in {path.name}: {exc} (the table "
                "users(id, email, password_hash, role) is part of the contract; any other "
                "column needs a default)"
            ) from None

    def make_role(self, user: User, role: str) -> None:
        """``UPDATE users SET role = ...``: how the first admin is made (stage rbac)."""
        self.server.require_started(
            "the grader makes its admin with SQL in the database file learnpath gives your server"
        )
        changed = self.write_sql(
            "UPDATE users SET role = ? WHERE email = ?",
            (role, user.email),
            f"make {user.email} {role}",
        )
        expect(changed == 1, f"setup: no row in users has email {user.email!r}")


@pytest.fixture(scope="session")
def auth(api, uid, server) -> Auth:
    return Auth(api, uid, server)


def read_rows(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


# -- secrets in the database ----------------------------------------------------------------


def cells(path: Path) -> Iterator[tuple[str, bytes]]:
    """Every text and blob value of every table, with where it was found."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            cursor = conn.execute(f"SELECT * FROM {quoted}")
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, str):
                        yield f"{table}.{column}", value.encode()
                    elif isinstance(value, bytes):
                        yield f"{table}.{column}", value
    finally:
        conn.close()


_BASE64_RUN = re.compile(rb"[A-Za-z0-9+/_-]{2,}")
_HEX_RUN = re.compile(rb"[0-9A-Fa-f]{2,}")


def _decodings(value: bytes) -> Iterator[tuple[str, bytes]]:
    """``value``, then every base64, URL-safe base64 and hex decoding of every run of such
    characters in it, from every alignment: a secret encoded at any offset shows up."""
    yield "", value
    for run in _BASE64_RUN.findall(value):
        standard = run.replace(b"-", b"+").replace(b"_", b"/")
        for shift in range(4):
            chunk = standard[shift:]
            chunk = chunk[: len(chunk) - 1] if len(chunk) % 4 == 1 else chunk
            if chunk:
                yield " in base64", base64.b64decode(chunk + b"=" * (-len(chunk) % 4))
    for run in _HEX_RUN.findall(value):
        for shift in range(2):
            chunk = run[shift:]
            chunk = chunk[: len(chunk) - len(chunk) % 2]
            if chunk:
                yield " in hex", bytes.fromhex(chunk.decode("ascii"))


def password_forms(password: str) -> dict[str, bytes]:
    """The password and the transformations that are as good as plaintext."""
    raw = password.encode()
    forms = {"": raw, " reversed": raw[::-1], " URL-encoded": quote(password).encode()}
    for algorithm in ("md5", "sha1", "sha256", "sha512"):
        digest = hashlib.new(algorithm, raw)
        forms[f" as an unsalted {algorithm} hex digest"] = digest.hexdigest().encode()
        forms[f" as an unsalted {algorithm} digest"] = digest.digest()
    return forms


def find_exposed(path: Path, forms: dict[str, bytes]) -> tuple[str, str] | None:
    """Where (``table.column``) and how (``" in base64"``) a cell gives a secret away."""
    for where, value in cells(path):
        for encoding, decoded in _decodings(value):
            for how, form in forms.items():
                if form in decoded:
                    return where, (how + encoding) or " in plaintext"
    return None


# -- password hash formats -------------------------------------------------------------------

ACCEPTED_HASHES = (
    "Argon2id with m >= 7168 KiB and m*t >= 35840, bcrypt with cost >= 10, scrypt with "
    "N >= 2^13, r >= 8 and N*p >= 81920, PBKDF2 with >= 600000 SHA-256 (210000 SHA-512) "
    "iterations"
)
_B64 = r"[A-Za-z0-9+/=._-]+"


def classify_hash(value: str) -> tuple[str, str | None]:
    """What a stored password hash is, and why it is not good enough (None: it is)."""
    v = value.strip()
    if m := re.fullmatch(
        rf"\$(argon2(?:id|i|d))\$(?:v=\d+\$)?([a-z]=\d+(?:,[a-z]=\d+)*)\${_B64}\${_B64}", v
    ):
        params = {k: int(n) for k, n in (kv.split("=") for kv in m[2].split(","))}
        mem, passes = params.get("m", 0), params.get("t", 0)
        name = f"{m[1]} (m={mem}, t={passes})"
        if m[1] != "argon2id":
            return name, "use Argon2id, the variant meant for passwords"
        if mem < 7168 or mem * passes < 35840:
            return name, "too cheap: OWASP's minimum is m=19456 (KiB), t=2 or an equivalent"
        return name, None
    if m := re.fullmatch(r"\$2[abxy]?\$(\d{2})\$[./A-Za-z0-9]{53}", v):
        name = f"bcrypt (cost {int(m[1])})"
        return name, None if int(m[1]) >= 10 else "too cheap: use a cost of 10 or more"
    scrypt = None
    if m := re.fullmatch(rf"\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\${_B64}(?:\${_B64})?", v):
        scrypt = (2 ** int(m[1]), int(m[2]), int(m[3]))
    else:
        m = re.fullmatch(
            rf"\$scrypt\$[nN]=(\d+),r=(\d+),p=(\d+)\${_B64}(?:\${_B64})?", v
        ) or re.fullmatch(rf"\$?scrypt[$:](\d+)[$:](\d+)[$:](\d+)[$:]{_B64}(?:\${_B64})?", v)
        if m:
            scrypt = (int(m[1]), int(m[2]), int(m[3]))
    if scrypt is not None:
        n, r, p = scrypt
        name = f"scrypt (N={n}, r={r}, p={p})"
        if r < 8 or n < 8192 or n * p < 81920:
            return name, "too cheap: OWASP's minimum is N=2^17, r=8, p=1 or an equivalent"
        return name, None
    pbkdf2 = None
    if m := re.fullmatch(rf"pbkdf2_(sha256|sha512|sha1)\$(\d+)\${_B64}\${_B64}", v):
        pbkdf2 = (m[1], int(m[2]))
    elif m := re.fullmatch(rf"\$pbkdf2(?:-(sha256|sha512))?\$(\d+)\${_B64}\${_B64}", v):
        pbkdf2 = (m[1] or "sha1", int(m[2]))
    elif m := re.fullmatch(rf"pbkdf2:(sha256|sha512|sha1):(\d+)\${_B64}\${_B64}", v):
        pbkdf2 = (m[1], int(m[2]))
    if pbkdf2 is not None:
        digest, rounds = pbkdf2
        floor = {"sha256": 600_000, "sha512": 210_000, "sha1": 1_300_000}[digest]
        name = f"PBKDF2-{digest.upper()} ({rounds} iterations)"
        return name, None if rounds >= floor else f"too cheap: use at least {floor} iterations"
    if v.startswith("sha256$"):
        return "the old sha256$salt$hex format", "that is the weak legacy hash this stage replaces"
    shown = v[:40] + ("…" if len(v) > 40 else "")
    return repr(shown), "not a password-hash format the grader recognises"


# -- JWTs ------------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_part(obj: dict) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def jwt_parts(token: object) -> tuple[dict, dict] | None:
    """The header and claims of a compact JWT (not verified), or None when it is not one."""
    if not isinstance(token, str) or token.count(".") != 2:
        return None
    try:
        header, claims = (
            json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
            for part in token.split(".")[:2]
        )
    except ValueError:
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict) or "alg" not in header:
        return None
    return header, claims


def sign_hmac(claims: dict, key: str, *, alg: str = "HS256", header_alg: str | None = None) -> str:
    """A JWT signed with HMAC (``alg``: HS256, HS384 or HS512) whose header names
    ``header_alg`` (default: ``alg``)."""
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    signing_input = f"{_json_part({'alg': header_alg or alg, 'typ': 'JWT'})}.{_json_part(claims)}"
    signature = hmac.new(key.encode(), signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64url(signature)}"


def unsigned(claims: dict, alg: str = "none", dot: bool = True) -> str:
    token = f"{_json_part({'alg': alg, 'typ': 'JWT'})}.{_json_part(claims)}"
    return token + "." if dot else token


# -- other addresses of the loopback network --------------------------------------------------


@pytest.fixture(scope="session")
def addresses(api, uid) -> Iterator[Addresses]:
    made = Addresses(api, uid)
    yield made
    for client in made.clients:
        client.close()


def server_cpu_ns(server) -> int | None:
    """CPU time the learner's server has used so far, every thread of its process group.

    Unlike latency, CPU time does not grow when other programs keep the machine busy, so it
    measures the work a request costs. Linux only, and only for a server learnpath started.
    """
    backend = getattr(server, "backend", None)
    pgid = getattr(backend, "pgid", None)
    if not pgid or not Path("/proc/self/task").is_dir():
        return None
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
            if int(stat.read_text().rpartition(")")[2].split()[2]) != pgid:
                continue
            for task in (stat.parent / "task").glob("*/schedstat"):
                total += int(task.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue  # a process or thread that ended meanwhile
    return total or None


@dataclass(slots=True)
class Sample:
    """One timed request: its answer, wall-clock seconds and the server's CPU seconds (None
    when they cannot be read)."""

    resp: httpx.Response
    seconds: float
    cpu: float | None


def timed(client: Api, server, method: str, path: str, **kwargs) -> Sample:
    cpu_before = server_cpu_ns(server)
    start = time.perf_counter()
    resp = client.request(method, path, **kwargs)
    seconds = time.perf_counter() - start
    cpu_after = server_cpu_ns(server)
    cpu = None
    if cpu_before is not None and cpu_after is not None and cpu_after >= cpu_before:
        cpu = (cpu_after - cpu_before) / 1e9
    return Sample(resp, seconds, cpu)


class Kit:
    """The helpers above, for graders (through the ``kit`` fixture: graders are loaded with
    pytest's importlib mode, so they cannot import this module)."""

    ISSUER = ISSUER
    AUDIENCE = AUDIENCE
    MAX_ACCESS_SECONDS = MAX_ACCESS_SECONDS
    CLOCK_TOLERANCE = CLOCK_TOLERANCE
    EMAIL_LIMIT = EMAIL_LIMIT
    IP_LIMIT = IP_LIMIT
    MAX_RETRY_AFTER = MAX_RETRY_AFTER
    ACCEPTED_HASHES = ACCEPTED_HASHES
    brief = staticmethod(brief)
    bearer = staticmethod(bearer)
    check_error = staticmethod(check_error)
    cells = staticmethod(cells)
    find_exposed = staticmethod(find_exposed)
    password_forms = staticmethod(password_forms)
    classify_hash = staticmethod(classify_hash)
    jwt_parts = staticmethod(jwt_parts)
    sign_hmac = staticmethod(sign_hmac)
    unsigned = staticmethod(unsigned)
    timed = staticmethod(timed)


@pytest.fixture(scope="session")
def kit() -> Kit:
    return Kit()
