"""Stage login-flow: sign in with the provider (authorization code flow with PKCE), a local
user found by the provider's subject, and GET /me."""

import re

import pytest

from learnpath.grading.checks import expect, expect_field, expect_json, expect_status


@pytest.mark.stage("login-flow")
def test_login_redirects_to_the_provider(oidc, kit):
    """GET /login redirects to the provider with every parameter of the code flow with PKCE.

    client_id, redirect_uri, response_type=code, scope openid email, state, nonce, and an S256
    code_challenge."""
    start = oidc.start(oidc.browser())
    params = start.params

    def param(name: str, want: str, why: str) -> None:
        got = params.get(name)
        expect(
            got == want,
            f"expected the authorization request (Location of GET /login) to have {name}="
            f"{want!r} ({why}), got {got!r}; Location: {start.location}",
        )

    param("response_type", "code", "the authorization code flow")
    param("client_id", oidc.client_id, "$OAUTH_CLIENT_ID")
    param("redirect_uri", oidc.redirect_uri, "exactly $OAUTH_REDIRECT_URI")
    scope = params.get("scope", "").split()
    expect(
        "openid" in scope and "email" in scope,
        f"expected scope to include openid (an ID token) and email (the user's address), "
        f"got {params.get('scope')!r}",
    )
    for name in ("state", "nonce"):
        value = params.get(name) or ""
        expect(
            len(value) >= kit.MIN_RANDOM,
            f"expected a random {name} of at least {kit.MIN_RANDOM} characters in the "
            f"authorization request, got {value!r}",
        )
    param("code_challenge_method", "S256", "PKCE with SHA-256; 'plain' protects nothing")
    challenge = params.get("code_challenge") or ""
    expect(
        re.fullmatch(r"[A-Za-z0-9_-]{43}", challenge) is not None,
        f"expected code_challenge to be BASE64URL(SHA256(code_verifier)) without padding (43 "
        f"characters), got {challenge!r}",
    )


@pytest.mark.stage("login-flow")
def test_the_callback_signs_the_user_in(oidc, kit):
    """The callback signs the user in: GET /me shows them, and answers 401 without the cookie.

    The server exchanged the code, asked userinfo with the access token, and set a session
    cookie."""
    person = oidc.person("ada")
    browser = oidc.browser("ada")
    start = oidc.start(browser)
    callback_url = oidc.authorize(browser, start, person)
    code = oidc.code_of(callback_url)
    callback = oidc.finish(browser, callback_url)
    expect(
        callback.status_code in kit.REDIRECTS,
        f"expected the callback to sign Ada in and redirect (302 or 303) to the app, got "
        f"{kit.brief(callback)}{oidc.story(code)}",
    )
    expect(
        browser.session is not None,
        f"expected the callback to set a cookie named '{kit.SESSION_COOKIE}', got "
        f"Set-Cookie: {[c.header for c in browser.last_set] or 'none'}",
    )
    me = oidc.me(browser)
    expect_status(me, 200)
    body = expect_json(me)
    expect_field(body, "user.id", int)
    for name in ("sub", "email", "name"):
        got = expect_field(body, f"user.{name}", str)
        want = getattr(person, name)
        expect(got == want, f"expected user.{name} of GET /me to be {want!r}, got {got!r}")
    anonymous = oidc.me(oidc.browser("anonymous"))
    expect(
        anonymous.status_code == 401,
        f"expected GET /me without a session cookie to answer 401, got {kit.brief(anonymous)}",
    )
    [authz] = oidc.control.authorizations(code=code)
    seen = oidc.control.userinfo_requests(authz["access_tokens"][0])
    expect(
        bool(seen),
        "expected your server to call the provider's userinfo endpoint with the access token "
        "it got for this sign-in ('Authorization: Bearer <access_token>'); it did not",
    )


@pytest.mark.stage("login-flow")
def test_the_local_user_is_found_by_sub(oidc, kit):
    """Users are found by the provider's sub, not by email.

    Another sub with a known email is another person; signing in again with a new email keeps
    the account (and updates the email)."""
    ada = oidc.person("ada")
    first = oidc.sign_in(oidc.browser("ada"), ada).user
    # Ada moves to a new address at the provider; hers goes to Eve, who has never been here.
    eve = kit.Person(f"eve-{ada.sub}", ada.email, "Eve")
    other = oidc.sign_in(oidc.browser("eve"), eve).user
    expect(
        other.get("id") != first.get("id"),
        f"expected Eve (another sub, with the email {ada.email} Ada used to have) to get an "
        f"account of her own, got Ada's (user.id {first.get('id')}): an email is no identity; "
        "find users by sub, or whoever gets an old address takes over an account",
    )
    moved = kit.Person(ada.sub, f"moved.{ada.email}", ada.name)
    again = oidc.sign_in(oidc.browser("ada again"), moved).user
    expect(
        again.get("id") == first.get("id"),
        f"expected Ada (sub {ada.sub}) to keep her account (user.id {first.get('id')}) when she "
        f"signs in again with a new email, got user.id {again.get('id')}: find users by sub",
    )
    expect(
        again.get("email") == moved.email,
        f"expected user.email to follow the provider's ({moved.email}) after signing in again, "
        f"got {again.get('email')!r}",
    )


@pytest.mark.stage("login-flow")
def test_a_refused_consent_signs_nobody_in(oidc):
    """A callback with error=access_denied (the user said no) signs nobody in."""
    person = oidc.person("shy")
    browser = oidc.browser("shy")
    start = oidc.start(browser)
    url = oidc.authorize(browser, start, person, decision="deny")
    oidc.refused(browser, oidc.finish(browser, url), "the callback with error=access_denied")
