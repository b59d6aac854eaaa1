"""Stage login: POST /api/users/login."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


def _login(api, blog, user) -> dict:
    """Log ``user`` in; the ``user`` object of the answer."""
    resp = api.post(
        "/api/users/login", json={"user": {"email": user.email, "password": user.password}}
    )
    expect_status(resp, 200)
    return blog.check_user(expect_json(resp), user, what=f"the logged-in user {user.username}")


@pytest.mark.stage("login")
def test_login_answers_200_with_the_user(api, blog, tokens, alice):
    obj = _login(api, blog, alice)
    expect_equal(obj.get("bio"), None, "user.bio of a new user")
    expect_equal(obj.get("image"), None, "user.image of a new user")
    token = obj["token"]
    expect(
        tokens.parts(token) is not None,
        f"expected user.token to be a JWT: three base64url parts, the first a JSON header "
        f"naming its 'alg', the second a JSON object of claims; got {token!r}",
    )


@pytest.mark.stage("login")
def test_login_tokens_differ_between_users(api, blog, alice, bob):
    """Two users who log in get two different tokens."""
    first, second = _login(api, blog, alice)["token"], _login(api, blog, bob)["token"]
    expect(
        first != second,
        f"expected {alice.username} and {bob.username} to get different tokens from "
        f"POST /api/users/login, got the same one for both: {first!r}",
    )


@pytest.mark.stage("login")
@pytest.mark.parametrize("field", ["email", "password"])
def test_login_blank_field_is_422(api, blog, alice, field):
    credentials = {"email": alice.email, "password": alice.password, field: ""}
    resp = api.post("/api/users/login", json={"user": credentials})
    blog.check_error(resp, 422, field, "can't be blank", f"a login with a blank {field}")


@pytest.mark.stage("login")
def test_login_wrong_password_is_401(api, blog, alice):
    resp = api.post(
        "/api/users/login", json={"user": {"email": alice.email, "password": "wrongpassword"}}
    )
    blog.check_error(resp, 401, "credentials", "invalid", "a login with a wrong password")


@pytest.mark.stage("login")
def test_login_unknown_email_is_401(api, blog):
    """A login with an unknown email answers 401 with an errors object."""
    # The contract fixes no message here; "credentials: invalid", as for a wrong password, is wise.
    email = f"{blog.name('nobody')}@example.com"
    resp = api.post("/api/users/login", json={"user": {"email": email, "password": "password123"}})
    expect_status(resp, 401)
    errors = expect_field(expect_json(resp), "errors", dict)
    expect(
        bool(errors),
        f"expected a JSON 'errors' object in the 401 answer to a login with an unknown email, "
        f"got {resp.text[:120]!r}",
    )
