"""Stage login: POST /api/users/login."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_json, expect_status


@pytest.mark.stage("login")
def test_login_answers_200_with_the_user(api, blog, alice):
    resp = api.post(
        "/api/users/login", json={"user": {"email": alice.email, "password": alice.password}}
    )
    expect_status(resp, 200)
    obj = blog.check_user(expect_json(resp), alice, what="the logged-in user")
    expect_equal(obj.get("bio"), None, "user.bio of a new user")
    expect_equal(obj.get("image"), None, "user.image of a new user")
    token = obj["token"]
    expect(
        token.count(".") == 2 and all(token.split(".")),
        f"expected user.token to be a JWT (three dot-separated parts), got {token!r}",
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
    email = f"{blog.name('nobody')}@example.com"
    resp = api.post("/api/users/login", json={"user": {"email": email, "password": "password123"}})
    blog.check_error(resp, 401, "credentials", "invalid", "a login with an unknown email")
