"""Stage passwords: register and log in, with passwords stored in a slow, salted hash."""

import hashlib
import secrets

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


@pytest.mark.stage("passwords")
def test_register_answers_201_with_the_user(api, auth, kit):
    """POST /api/users answers 201 with the user's id, email and role, and no password."""
    email, password = auth.email("ann"), auth.password("ann")
    resp = api.post("/api/users", json={"email": email, "password": password})
    expect_status(resp, 201)
    body = expect_json(resp)
    expect_field(body, "user.id", int)
    expect_equal(expect_field(body, "user.email", str), email, "user.email")
    expect_equal(expect_field(body, "user.role", str), "user", "user.role of a new account")
    expect(
        password not in resp.text and "password" not in resp.text.lower(),
        f"expected no password and no password hash in the answer, got {kit.brief(resp)}",
    )


@pytest.mark.stage("passwords")
def test_register_refuses_blank_short_and_taken(api, auth, kit):
    """A blank email or a 7-character password is 422; an email already taken (in capitals) 409."""
    blank = api.post("/api/users", json={"email": "", "password": auth.password("blank")})
    kit.check_error(blank, 422, "POST /api/users with a blank email")
    short = api.post("/api/users", json={"email": auth.email("short"), "password": "7-chars"})
    kit.check_error(short, 422, "POST /api/users with a 7-character password")
    user = auth.register("taken")
    again = api.post(
        "/api/users", json={"email": user.email.upper(), "password": auth.password("taken")}
    )
    kit.check_error(again, 409, f"POST /api/users with {user.email.upper()} (taken, in capitals)")


@pytest.mark.stage("passwords")
def test_login_answers_tokens_and_refuses_a_wrong_password(api, auth, addresses, kit):
    """Login answers 200 with an access and a refresh token; a wrong password answers 401."""
    user = auth.register("login")
    resp = auth.login_response(user)
    expect_status(resp, 200)
    body = expect_json(resp)
    for name in ("access_token", "refresh_token"):
        value = expect_field(body, name, str)
        expect(value.strip() != "", f"expected {name} to be a non-empty string, got ''")
    wrong = auth.login_response(user, addresses.client_or_main(), password=user.password + "x")
    kit.check_error(wrong, 401, "POST /api/login with a wrong password")


@pytest.mark.stage("passwords")
def test_passwords_are_not_stored_in_plaintext(auth, kit):
    """The password is in no column of the database: not plain, not encoded, not a bare digest."""
    user = auth.register("plain")
    path = auth.database()
    auth.stored_hash(user.email)  # the user is there: this is the file the server writes
    found = kit.find_exposed(path, kit.password_forms(user.password))
    expect(
        found is None,
        f"found {user.email}'s password{found[1] if found else ''} in "
        f"{found[0] if found else ''} of {path.name}: store a slow, salted hash instead "
        "(Argon2id, bcrypt, scrypt or PBKDF2)",
    )


@pytest.mark.stage("passwords")
def test_password_hash_is_slow_and_strong_enough(auth, kit):
    """users.password_hash is Argon2id, bcrypt, scrypt or PBKDF2, with at least OWASP's cost."""
    user = auth.register("format")
    stored = auth.stored_hash(user.email)
    name, problem = kit.classify_hash(stored)
    expect(
        problem is None,
        f"expected users.password_hash to be a slow password hash ({kit.ACCEPTED_HASHES}), "
        f"got {name}: {problem}",
    )


@pytest.mark.stage("passwords")
def test_same_password_gives_different_hashes(auth, uid, kit):
    """Two users registered with the same password have different password_hash values."""
    password = f"shared-pw-{uid}-Secret"
    first, second = auth.register("salt1", password), auth.register("salt2", password)
    one, two = auth.stored_hash(first.email), auth.stored_hash(second.email)
    expect(
        one != two,
        f"two users with the same password have the same password_hash {one[:60]!r}: each "
        "hash needs its own random salt (Argon2id, bcrypt and scrypt libraries make one)",
    )


@pytest.mark.stage("passwords")
def test_legacy_hash_is_upgraded_on_successful_login(api, auth, addresses, kit):
    """A user with an old sha256$salt$hex hash logs in, and then has an accepted hash."""
    email, password = auth.email("legacy"), auth.password("legacy")
    salt = secrets.token_hex(8)
    legacy = f"sha256${salt}${hashlib.sha256((salt + password).encode()).hexdigest()}"
    auth.write_sql(
        "INSERT INTO users (email, password_hash) VALUES (?, ?)",
        (email, legacy),
        "insert a user with an old-format hash",
    )
    resp = addresses.client_or_main().post(
        "/api/login", json={"email": email, "password": password + "x"}
    )
    kit.check_error(resp, 401, "POST /api/login with a wrong password for a user with an old hash")
    expect_equal(
        auth.stored_hash(email),
        legacy,
        "users.password_hash after a WRONG password (only a successful login may change it)",
    )
    resp = api.post("/api/login", json={"email": email, "password": password})
    expect(
        resp.status_code == 200,
        f"expected status 200 for POST /api/login of a user whose password_hash is the old "
        f"'sha256$<salt>$<hex of SHA-256(salt + password)>' ({legacy[:30]}…), got "
        f"{kit.brief(resp)}",
    )
    upgraded = auth.stored_hash(email)
    name, problem = kit.classify_hash(upgraded)
    expect(
        problem is None,
        f"expected the successful login to replace the old sha256$ hash with a slow one "
        f"({kit.ACCEPTED_HASHES}), but users.password_hash is now {name}: {problem}",
    )
    again = api.post("/api/login", json={"email": email, "password": password})
    expect(
        again.status_code == 200,
        f"expected the same password to log in again after the hash was upgraded (to {name}), "
        f"got {kit.brief(again)}",
    )
