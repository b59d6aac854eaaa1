"""Tokens across stages: whose token is whose, and forged tokens on every protected route.

A server that decodes a JWT without checking it lets anyone act as anyone. So each stage that
adds protected routes probes them with tokens a correct server rejects with ``401`` and a JSON
``errors`` object: signed with another key, unsigned (``alg: none``), ``a.b.c``, expired, and for
a user who does not exist. The last two must be signed with the server's own key to mean
anything: learnpath gives the server a fresh ``JWT_SECRET`` each run, and a control (a real
token's claims, re-signed with it) must work first, or those two probes are skipped.
"""

import pytest

from learnpath.grading.checks import expect, expect_field, expect_json, expect_status

FORGED_KINDS = ["other-key", "alg-none", "alg-none-no-dot", "garbage", "expired"]
# Every stage that adds protected routes, in stage order.
PROTECTED = [
    "current-user",
    "profiles",
    "create-article",
    "manage-article",
    "comments",
    "favorites",
    "feed",
]


def _me(api, blog, user, token, which):
    """``GET /api/user`` with ``token`` (``which`` token of ``user``) answers ``user``."""
    resp = api.get("/api/user", token=token)
    expect_status(resp, 200)
    obj = blog.check_user(expect_json(resp), what="the current user")
    got = (obj.get("username"), obj.get("email"))
    expect(
        got == (user.username, user.email),
        f"expected GET /api/user with {user.username}'s {which} token to answer "
        f"{user.username} ({user.email}), got {got[0]} ({got[1]}): a token must identify "
        f"the user it was issued to",
    )


@pytest.mark.stage("current-user")
def test_register_and_login_tokens_identify_their_user(api, blog, alice, bob):
    for user in (alice, bob):
        _me(api, blog, user, user.token, "register")
    for user in (alice, bob):
        resp = api.post(
            "/api/users/login", json={"user": {"email": user.email, "password": user.password}}
        )
        expect_status(resp, 200)
        token = expect_field(expect_json(resp), "user.token", str)
        _me(api, blog, user, token, "login")


# -- forged tokens -----------------------------------------------------------------------------


def _requests(stage, blog, alice, bob):
    """The protected requests ``stage`` introduces, and whose real token to forge them from.

    The token's owner is the one the request would succeed for (the article's author, say), so
    a server that trusts the forged token answers 2xx, not 403.
    """
    if stage == "current-user":
        return bob, [("GET", "/api/user", None), ("PUT", "/api/user", {"user": {"bio": "x"}})]
    if stage == "profiles":
        path = f"/api/profiles/{alice.username}/follow"
        return bob, [("POST", path, None), ("DELETE", path, None)]
    if stage == "feed":
        return bob, [("GET", "/api/articles/feed", None)]
    article = {"title": blog.title("Forged"), "description": "d", "body": "b"}
    if stage == "create-article":
        return alice, [("POST", "/api/articles", {"article": article})]
    slug = blog.create_article(alice)["slug"]
    if stage == "manage-article":
        path = f"/api/articles/{slug}"
        return alice, [("PUT", path, {"article": {"body": "forged"}}), ("DELETE", path, None)]
    if stage == "comments":
        comment = blog.comment(alice, slug, "A comment to delete")
        return alice, [
            ("POST", f"/api/articles/{slug}/comments", {"comment": {"body": "forged"}}),
            ("DELETE", f"/api/articles/{slug}/comments/{comment['id']}", None),
        ]
    if stage == "favorites":
        path = f"/api/articles/{slug}/favorite"
        return bob, [("POST", path, None), ("DELETE", path, None)]
    raise ValueError(f"no protected requests for stage {stage!r}")


def _expect_rejected(api, method, path, body, header, label):
    resp = api.request(method, path, json=body, headers={"Authorization": header})
    text = " ".join(resp.text.split())[:120]
    expect(
        resp.status_code == 401,
        f"expected status 401 for {method} {path} with {label}, got {resp.status_code}: "
        f"{text!r}" + (" (the server accepted it)" if resp.status_code < 300 else ""),
    )
    errors = expect_field(expect_json(resp), "errors", dict)
    expect(
        bool(errors),
        f"expected a JSON body with an 'errors' object for the 401 of {method} {path} with "
        f"{label}, got {text!r}",
    )


def _secret(api, server, tokens, token):
    """``$JWT_SECRET`` once a control shows the server signs its tokens with it; else skip."""
    server.require_started("forging a token needs the JWT_SECRET learnpath gives your server")
    secret = server.env.get("JWT_SECRET")
    if not secret:
        pytest.skip("this run gave the server no JWT_SECRET to sign test tokens with")
    control = tokens.resign(token, secret)
    resp = api.get("/api/user", token=control) if control else None
    if resp is None or resp.status_code != 200:
        pytest.skip(
            "your server does not accept tokens signed with $JWT_SECRET (HS256), so expired "
            "and unknown-user tokens cannot be forged: read the secret from JWT_SECRET"
        )
    return secret


def _probe(stage, auth, api, blog, server, tokens, alice, bob):
    owner, requests = _requests(stage, blog, alice, bob)
    secret = _secret(api, server, tokens, owner.token) if auth in tokens.NEEDS_SECRET else None
    forged = tokens.forge(auth, owner.token, secret)
    for method, path, body in requests:
        _expect_rejected(api, method, path, body, f"Token {forged}", tokens.FORGED[auth])


@pytest.mark.stage("current-user")
@pytest.mark.parametrize("auth", FORGED_KINDS)
def test_current_user_rejects_forged_tokens(api, blog, server, tokens, alice, bob, auth):
    _probe("current-user", auth, api, blog, server, tokens, alice, bob)


@pytest.mark.stage("profiles")
@pytest.mark.parametrize("auth", FORGED_KINDS)
def test_follow_rejects_forged_tokens(api, blog, server, tokens, alice, bob, auth):
    _probe("profiles", auth, api, blog, server, tokens, alice, bob)


@pytest.mark.stage("create-article")
@pytest.mark.parametrize("auth", FORGED_KINDS)
def test_create_article_rejects_forged_tokens(api, blog, server, tokens, alice, bob, auth):
    _probe("create-article", auth, api, blog, server, tokens, alice, bob)


@pytest.mark.stage("manage-article")
@pytest.mark.parametrize("auth", FORGED_KINDS)
def test_update_and_delete_article_reject_forged_tokens(
    api, blog, server, tokens, alice, bob, auth
):
    _probe("manage-article", auth, api, blog, server, tokens, alice, bob)


@pytest.mark.stage("comments")
@pytest.mark.parametrize("auth", FORGED_KINDS)
def test_comments_reject_forged_tokens(api, blog, server, tokens, alice, bob, auth):
    _probe("comments", auth, api, blog, server, tokens, alice, bob)


@pytest.mark.stage("favorites")
@pytest.mark.parametrize("auth", FORGED_KINDS)
def test_favorites_reject_forged_tokens(api, blog, server, tokens, alice, bob, auth):
    _probe("favorites", auth, api, blog, server, tokens, alice, bob)


@pytest.mark.stage("feed")
@pytest.mark.parametrize("auth", FORGED_KINDS)
def test_feed_rejects_forged_tokens(api, blog, server, tokens, alice, bob, auth):
    _probe("feed", auth, api, blog, server, tokens, alice, bob)


@pytest.mark.stage("robustness")
def test_bearer_scheme_is_rejected(api, blog, alice, bob):
    """'Authorization: Bearer <a valid token>' answers 401 on every protected route."""
    # The contract's scheme is Token; accepting Bearer too is lenient, not a contract violation.
    for stage in PROTECTED:
        owner, requests = _requests(stage, blog, alice, bob)
        for method, path, body in requests:
            _expect_rejected(
                api,
                method,
                path,
                body,
                f"Bearer {owner.token}",
                "'Authorization: Bearer <a valid token>' (the contract's scheme is 'Token')",
            )


@pytest.mark.stage("robustness")
def test_token_of_an_unknown_user_is_rejected(api, blog, server, tokens, alice, bob):
    """A well-signed token for a user who does not exist answers 401 on every protected route."""
    # The contract has no way to delete a user, so it never says what such a token gets; a
    # server that lets it through (or crashes on it) is still wrong once accounts can go away.
    for stage in PROTECTED:
        _probe(stage, "unknown-user", api, blog, server, tokens, alice, bob)
