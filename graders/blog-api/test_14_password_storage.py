"""Extension stage password-storage: no password is stored in plaintext (or an obvious encoding)."""

import base64
import hashlib
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from learnpath.grading.checks import expect


def _database(server) -> Path:
    """The SQLite file learnpath gave the server this run (``$DATABASE_PATH``)."""
    server.require_started("the grader reads the database file learnpath gives your server")
    path = server.database_path
    expect(
        path is not None and path.is_file(),
        f"expected your server to keep its SQLite database in $DATABASE_PATH ({path}), "
        f"found no file there",
    )
    return path


def _forms(password: str) -> dict[str, bytes]:
    """The password and the transformations that are as good as plaintext."""
    raw = password.encode()
    forms = {
        "": raw,
        " reversed": raw[::-1],
        " URL-encoded": quote(password).encode(),
    }
    for algorithm in ("md5", "sha1", "sha256", "sha512"):
        digest = hashlib.new(algorithm, raw)
        forms[f" as an unsalted {algorithm} hex digest"] = digest.hexdigest().encode()
        forms[f" as an unsalted {algorithm} digest"] = digest.digest()
    return forms


_BASE64_RUN = re.compile(rb"[A-Za-z0-9+/_-]{2,}")
_HEX_RUN = re.compile(rb"[0-9A-Fa-f]{2,}")


def _decodings(value: bytes) -> Iterator[tuple[str, bytes]]:
    """``value`` itself, then every base64, URL-safe base64 and hex decoding of every run of
    such characters in it, from every alignment: a password encoded at any offset, alone or
    after a salt, shows up in one of them."""
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


def _exposed(value: bytes, forms: dict[str, bytes]) -> str | None:
    """How ``value`` gives the password away (e.g. " in base64"), or None."""
    for encoding, decoded in _decodings(value):
        for how, form in forms.items():
            if form in decoded:
                return how + encoding or " in plaintext"
    return None


def _cells(path: Path):
    """Every text and blob value of every table, with where it was found."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
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


@pytest.mark.stage("password-storage")
def test_passwords_are_not_stored_in_plaintext(server, alice):
    path = _database(server)
    cells = list(_cells(path))
    expect(
        any(alice.username.encode() in value for _, value in cells),
        f"expected to find user {alice.username} in {path.name} (is this the database your "
        f"server writes? it should use $DATABASE_PATH)",
    )
    forms = _forms(alice.password)
    found = next(
        ((where, how) for where, value in cells if (how := _exposed(value, forms))),
        None,
    )
    expect(
        found is None,
        f"found {alice.username}'s password{found[1] if found else ''} in "
        f"{found[0] if found else ''}: store a slow, salted hash (bcrypt, scrypt, argon2 or "
        f"PBKDF2) instead",
    )


def _row_values(path: Path, username: str) -> set[bytes]:
    """The long text/blob values of the row(s) holding ``username``, minus the obvious ones."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    found: set[bytes] = set()
    try:
        for (table,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ):
            quoted = '"' + table.replace('"', '""') + '"'
            for row in conn.execute(f"SELECT * FROM {quoted}"):
                cells = [v.encode() if isinstance(v, str) else v for v in row]
                cells = [v for v in cells if isinstance(v, bytes)]
                if username.encode() not in cells:
                    continue
                found.update(
                    v
                    for v in cells
                    if len(v) >= 20 and username.encode() not in v and not _looks_public(v)
                )
    finally:
        conn.close()
    return found


_DATE = re.compile(rb"\d{4}-\d{2}-\d{2}")


def _looks_public(value: bytes) -> bool:
    """Timestamps and URLs may well be equal for two users; a password hash must not be."""
    return _DATE.match(value) is not None or value.startswith((b"http:", b"https:"))


@pytest.mark.stage("password-storage")
def test_same_password_gives_different_stored_values(server, blog, uid):
    password = f"shared-pw-{uid}"
    first, second = blog.register("salt1", password), blog.register("salt2", password)
    path = _database(server)
    shared = _row_values(path, first.username) & _row_values(path, second.username)
    example = min(shared, default=b"")[:40]
    expect(
        not shared,
        f"two users with the same password have the same stored value {example!r}: "
        f"salt each password hash (bcrypt, scrypt and argon2 do it for you)",
    )
