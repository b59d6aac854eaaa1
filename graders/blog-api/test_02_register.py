"""Stage register: POST /api/users."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


@pytest.fixture(scope="module")
def newcomer(api, blog):
    """One registration, graded by the first test and reused for the duplicate checks."""
    username = blog.name("reg")
    user = {"username": username, "email": f"{username}@example.com", "password": "password123"}
    return user, api.post("/api/users", json={"user": user})


@pytest.mark.stage("register")
def test_register_answers_201_with_the_user(blog, newcomer):
    user, resp = newcomer
    expect_status(resp, 201)
    body = expect_json(resp)
    obj = blog.check_user(body, what="the registered user")
    expect_equal(obj.get("username"), user["username"], "user.username")
    expect_equal(obj.get("email"), user["email"], "user.email")
    expect_equal(obj.get("bio"), None, "user.bio of a new user")
    expect_equal(obj.get("image"), None, "user.image of a new user")


@pytest.mark.stage("register")
def test_register_token_is_a_jwt(newcomer, tokens):
    _, resp = newcomer
    token = (expect_json(resp).get("user") or {}).get("token")
    expect(
        tokens.parts(token) is not None,
        f"expected user.token to be a JWT: three base64url parts, the first a JSON header "
        f"naming its 'alg', the second a JSON object of claims; got {token!r}",
    )


@pytest.mark.stage("register")
@pytest.mark.parametrize("field", ["username", "email", "password"])
def test_register_blank_field_is_422(api, blog, field):
    username = blog.name(f"blank{field[0]}")
    user = {"username": username, "email": f"{username}@example.com", "password": "password123"}
    user[field] = ""
    resp = api.post("/api/users", json={"user": user})
    blog.check_error(resp, 422, field, "can't be blank", f"a registration with a blank {field}")


@pytest.mark.stage("register")
def test_register_missing_password_is_422(api, blog):
    """A registration without a password answers 422 with an errors object."""
    # The contract fixes "can't be blank" for a blank field only, not for a missing one.
    username = blog.name("nopass")
    resp = api.post(
        "/api/users", json={"user": {"username": username, "email": f"{username}@example.com"}}
    )
    expect_status(resp, 422)
    errors = expect_field(expect_json(resp), "errors", dict)
    expect(
        bool(errors),
        f"expected a JSON 'errors' object in the 422 answer to a registration without a "
        f"password, got {resp.text[:120]!r}",
    )


@pytest.mark.stage("register")
def test_register_duplicate_username_is_409(api, blog, newcomer):
    user, first = newcomer
    expect(first.status_code < 300, f"setup: the first registration failed ({first.status_code})")
    resp = api.post(
        "/api/users",
        json={"user": {**user, "email": f"other_{user['email']}"}},
    )
    blog.check_error(
        resp, 409, "username", "has already been taken", "a registration with a taken username"
    )


@pytest.mark.stage("register")
def test_register_duplicate_email_is_409(api, blog, newcomer):
    user, first = newcomer
    expect(first.status_code < 300, f"setup: the first registration failed ({first.status_code})")
    resp = api.post(
        "/api/users",
        json={"user": {**user, "username": f"{user['username']}_2"}},
    )
    blog.check_error(
        resp, 409, "email", "has already been taken", "a registration with a taken email"
    )
