"""Stage csrf: requests that change something need the session's CSRF token; reads do not, and
a GET never changes anything."""

import pytest

from learnpath.grading.checks import expect, expect_field, expect_json, expect_status


def _signed_in(oidc, role: str, person=None):
    person = person or oidc.person(role)
    browser = oidc.browser(role)
    login = oidc.sign_in(browser, person)
    expect(
        isinstance(login.csrf, str) and len(login.csrf) >= 16,
        f"expected GET /me to answer a csrf_token (a string of at least 16 characters) next to "
        f"user, got {login.csrf!r}",
    )
    return browser, login, person


def _texts(oidc, browser) -> list:
    resp = browser.get("/notes")
    expect_status(resp, 200)
    notes = expect_field(expect_json(resp), "notes", list)
    return [n.get("text") for n in notes if isinstance(n, dict)]


@pytest.mark.stage("csrf")
def test_a_post_without_the_token_is_refused(oidc, kit, uid):
    """POST /notes with the session cookie but no (or an empty) X-CSRF-Token answers 403."""
    browser, _, _ = _signed_in(oidc, "ada")
    text = f"forged by another site {uid}"
    for headers, what in (({}, "without X-CSRF-Token"), ({kit.CSRF_HEADER: ""}, "empty")):
        resp = browser.post("/notes", json={"text": text}, headers=headers)
        expect(
            resp.status_code == 403,
            f"expected POST /notes with the session cookie and X-CSRF-Token {what} to answer "
            f"403, got {kit.brief(resp)}: a cookie alone proves nothing, any site can make the "
            "browser send it",
        )
    expect(text not in _texts(oidc, browser), "expected no note from the refused POST /notes")


@pytest.mark.stage("csrf")
def test_a_token_of_another_session_is_refused(oidc, kit, uid):
    """A CSRF token of another session is refused (403): Bob's, or Ada's from another browser."""
    ada_browser, _, ada = _signed_in(oidc, "ada")
    _, bob_login, _ = _signed_in(oidc, "bob")
    _, phone_login, _ = _signed_in(oidc, "phone", ada)
    for token, whose in ((bob_login.csrf, "Bob's"), (phone_login.csrf, "Ada's other session's")):
        resp = ada_browser.post(
            "/notes", json={"text": f"with {whose} token {uid}"}, headers={kit.CSRF_HEADER: token}
        )
        expect(
            resp.status_code == 403,
            f"expected POST /notes with Ada's session cookie and {whose} CSRF token to answer "
            f"403, got {kit.brief(resp)}: check the token against this session's own",
        )


@pytest.mark.stage("csrf")
def test_a_post_with_the_token_creates_the_note(oidc, kit, uid):
    """POST /notes with the session's X-CSRF-Token answers 201; the note is listed for its author.

    And not for another user."""
    browser, login, _ = _signed_in(oidc, "writer")
    text = f"written with the token {uid}"
    resp = browser.post("/notes", json={"text": text}, headers={kit.CSRF_HEADER: login.csrf})
    expect_status(resp, 201)
    body = expect_json(resp)
    expect_field(body, "note.id", int)
    got = expect_field(body, "note.text", str)
    expect(got == text, f"expected note.text to be {text!r}, got {got!r}")
    expect(text in _texts(oidc, browser), f"expected GET /notes to list the note {text!r}")
    other, _, _ = _signed_in(oidc, "reader")
    expect(
        text not in _texts(oidc, other),
        "expected GET /notes to list only the signed-in user's notes, got another user's",
    )


@pytest.mark.stage("csrf")
def test_get_requests_change_nothing(oidc, kit):
    """GET requests need no token and change nothing: GET /logout does not end the session."""
    browser, _, _ = _signed_in(oidc, "reader")
    _texts(oidc, browser)
    browser.get("/logout")
    me = oidc.me(browser)
    expect(
        me.status_code == 200,
        f"expected the session to survive GET /logout (GET /me 200 after it), got "
        f'{kit.brief(me)}: a GET must change nothing, or any page\'s <img src="/logout"> signs '
        "your users out",
    )


@pytest.mark.stage("csrf")
def test_the_csrf_token_is_not_the_session_id(oidc, kit):
    """The CSRF token neither is nor contains the session cookie.

    Scripts may read the token; they must never get the session."""
    browser, login, _ = _signed_in(oidc, "secret")
    session = browser.session or ""
    token = login.csrf or ""
    expect(
        session not in token and token not in session,
        "expected a CSRF token other than the session id: the page's scripts read the token, "
        "and HttpOnly is worthless if the session id is in it",
    )
