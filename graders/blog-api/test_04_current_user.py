"""Stage current-user: GET and PUT /api/user, with its validation rules."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


@pytest.fixture(scope="module")
def me(blog):
    """A user of this stage alone: the tests change its profile, name and password."""
    return blog.register("me")


def _update(api, me, **fields):
    return api.put("/api/user", json={"user": fields}, token=me.token)


def _expect_422(resp, what):
    """422 with a JSON ``errors`` object; the contract names no key or message here."""
    expect_status(resp, 422)
    errors = expect_field(expect_json(resp), "errors", dict)
    expect(
        bool(errors),
        f"expected a JSON 'errors' object in the 422 answer to {what}, got {resp.text[:120]!r}",
    )


def _field_after(api, blog, me, resp, name, expected, what):
    """The PUT answer and then a fresh GET both show ``name == expected``."""
    expect_status(resp, 200)
    expect_equal(blog.check_user(expect_json(resp), what=what).get(name), expected, f"{what}")
    again = api.get("/api/user", token=me.token)
    expect_status(again, 200)
    stored = blog.check_user(expect_json(again), what="the current user").get(name)
    expect_equal(stored, expected, f"user.{name} in a later GET /api/user (was it saved?)")


@pytest.mark.stage("current-user")
def test_get_current_user(api, blog, me):
    resp = api.get("/api/user", token=me.token)
    expect_status(resp, 200)
    obj = blog.check_user(expect_json(resp), me, what="the current user")
    expect_equal(obj.get("bio"), None, "user.bio of a new user")
    expect_equal(obj.get("image"), None, "user.image of a new user")


@pytest.mark.stage("current-user")
@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_missing_token_is_401(api, blog, method):
    if method == "GET":
        resp = api.get("/api/user")
    else:
        resp = api.put("/api/user", json={"user": {"bio": "test"}})
    blog.check_error(resp, 401, "token", "is missing", f"{method} /api/user without a token")


@pytest.mark.stage("current-user")
def test_update_bio(api, blog, me):
    resp = _update(api, me, bio="Updated bio")
    _field_after(api, blog, me, resp, "bio", "Updated bio", "user.bio after setting it")
    body = expect_json(resp)
    expect_equal(expect_field(body, "user.username", str), me.username, "user.username")
    expect_equal(expect_field(body, "user.email", str), me.email, "user.email")


@pytest.mark.stage("current-user")
def test_empty_bio_becomes_null(api, blog, me):
    expect_status(_update(api, me, bio="Temporary bio"), 200)
    resp = _update(api, me, bio="")
    _field_after(api, blog, me, resp, "bio", None, 'user.bio after setting it to ""')


@pytest.mark.stage("current-user")
def test_null_bio_is_accepted(api, blog, me):
    expect_status(_update(api, me, bio="Temporary bio"), 200)
    resp = _update(api, me, bio=None)
    _field_after(api, blog, me, resp, "bio", None, "user.bio after setting it to null")


@pytest.mark.stage("current-user")
def test_update_image(api, blog, me):
    resp = _update(api, me, image="https://example.com/photo.jpg")
    _field_after(
        api, blog, me, resp, "image", "https://example.com/photo.jpg", "user.image after setting it"
    )


@pytest.mark.stage("current-user")
def test_empty_image_becomes_null(api, blog, me):
    expect_status(_update(api, me, image="https://example.com/temp.jpg"), 200)
    resp = _update(api, me, image="")
    _field_after(api, blog, me, resp, "image", None, 'user.image after setting it to ""')


@pytest.mark.stage("current-user")
def test_null_image_is_accepted(api, blog, me):
    expect_status(_update(api, me, image="https://example.com/temp.jpg"), 200)
    resp = _update(api, me, image=None)
    _field_after(api, blog, me, resp, "image", None, "user.image after setting it to null")


@pytest.mark.stage("current-user")
@pytest.mark.parametrize("value", ["", None], ids=["empty", "null"])
@pytest.mark.parametrize("field", ["email", "username"])
def test_blank_email_or_username_is_422(api, me, field, value):
    resp = _update(api, me, **{field: value})
    _expect_422(resp, f"{field} set to {value!r}")


@pytest.mark.stage("current-user")
@pytest.mark.parametrize("value", ["", None, "short7c"], ids=["empty", "null", "7-chars"])
def test_bad_password_is_422(api, me, value):
    resp = _update(api, me, password=value)
    _expect_422(resp, f"password set to {value!r}")


@pytest.mark.stage("current-user")
def test_password_of_8_and_64_characters_is_accepted(api, blog, me):
    expect_status(_update(api, me, password="bonjour1"), 200)
    long_password = "a" * 64
    expect_status(_update(api, me, password=long_password), 200)
    resp = api.post(
        "/api/users/login", json={"user": {"email": me.email, "password": long_password}}
    )
    expect_status(resp, 200)
    blog.check_user(expect_json(resp), me, what="the user logged in with the new password")
    me.password = long_password


@pytest.mark.stage("current-user")
def test_update_username_and_email(api, blog, me):
    expect_status(_update(api, me, bio="Kept bio"), 200)
    username, email = f"{me.username}_upd", f"{me.username}_upd@example.com"
    resp = _update(api, me, username=username, email=email)
    expect_status(resp, 200)
    obj = blog.check_user(expect_json(resp), what="the updated user")
    expect_equal(obj.get("username"), username, "user.username after the update")
    expect_equal(obj.get("email"), email, "user.email after the update")
    expect_equal(obj.get("bio"), "Kept bio", "user.bio (unchanged by a username/email update)")
    me.username, me.email, me.token = username, email, obj["token"]
    again = api.get("/api/user", token=me.token)
    expect_status(again, 200)
    stored = blog.check_user(expect_json(again), me, what="GET /api/user with the new token")
    expect_equal(stored.get("bio"), "Kept bio", "user.bio in a later GET /api/user")
