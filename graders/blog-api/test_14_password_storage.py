"""Extension stage password-storage: no password is stored in plaintext (or an obvious encoding)."""

import base64
import hashlib
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest

from learnpath.grading.checks import expect


def _database(server) -> Path:
    name = server.config.get("database")
    expect(
        bool(name),
        "expected learnpath.yml to name your SQLite file (e.g. 'database: conduit.db'), "
        "so the grader can inspect it",
    )
    path = Path(server.project_dir) / str(name)
    expect(
        path.is_file(),
        f"expected your SQLite database at {path} (learnpath.yml 'database'; the server gets it "
        f"as $DATABASE_PATH), found no file",
    )
    return path


def _forms(password: str) -> dict[str, bytes]:
    """The password and the encodings that are as good as plaintext."""
    raw = password.encode()
    forms = {
        "in plaintext": raw,
        "reversed": raw[::-1],
        "in base64": base64.b64encode(raw),
        "in base64 (no padding)": base64.b64encode(raw).rstrip(b"="),
        "in hex": raw.hex().encode(),
        "URL-encoded": quote(password).encode(),
    }
    for algorithm in ("md5", "sha1", "sha256", "sha512"):
        digest = hashlib.new(algorithm, raw)
        forms[f"as an unsalted {algorithm} hex digest"] = digest.hexdigest().encode()
        forms[f"as an unsalted {algorithm} base64 digest"] = base64.b64encode(digest.digest())
        forms[f"as a raw unsalted {algorithm} digest"] = digest.digest()
    return forms


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
        ((where, how) for where, value in cells for how, form in forms.items() if form in value),
        None,
    )
    expect(
        found is None,
        f"found {alice.username}'s password {found[1] if found else ''} in "
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


def _looks_public(value: bytes) -> bool:
    """Timestamps and URLs may well be equal for two users; a password hash must not be."""
    return value[:4].isdigit() or value.startswith((b"http:", b"https:"))


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
