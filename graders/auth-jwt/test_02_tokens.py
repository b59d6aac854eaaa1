"""Stage tokens: short-lived HS256 access tokens with the right claims, and every forgery refused.

A server that decodes a JWT without checking it lets anyone act as anyone, so ``GET /api/me`` is
probed with tokens a correct server refuses with ``401``. The forgeries that matter most must be
signed with the server's own key (an expired token signed with another key proves nothing):
learnpath gives the server a fresh ``JWT_SECRET`` each run, and a control (the real token's
claims signed again with it) must work first.
"""

import secrets
import time

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


@pytest.fixture(scope="module")
def holder(auth):
    """A user of this stage and the answer of one of their logins."""
    user = auth.register("tok")
    return user, auth.login(user)


def _claims(kit, token: str) -> tuple[dict, dict]:
    parts = kit.jwt_parts(token)
    expect(
        parts is not None,
        f"expected access_token to be a JWT (three base64url parts, the first two JSON objects, "
        f"the header naming its 'alg'), got {token[:60]!r}",
    )
    return parts


def _number(claims: dict, name: str) -> float:
    value = claims.get(name)
    expect(
        isinstance(value, int | float) and not isinstance(value, bool),
        f"expected the access token's '{name}' claim to be a number (seconds since 1970), got "
        f"{value!r} (claims: {sorted(claims)})",
    )
    return float(value)


@pytest.mark.stage("tokens")
def test_access_token_carries_the_required_claims(holder, kit):
    """The access token is HS256 with sub, iat, exp (at most 900 s later), iss and aud."""
    user, login = holder
    header, claims = _claims(kit, login["access_token"])
    expect_equal(header.get("alg"), "HS256", "the 'alg' of the access token's header")
    expect_equal(
        claims.get("sub"), str(user.id), "the access token's 'sub' (the user's id, a string)"
    )
    iat, exp = _number(claims, "iat"), _number(claims, "exp")
    now = time.time()
    expect(
        abs(iat - now) <= kit.CLOCK_TOLERANCE,
        f"expected 'iat' to be the time of issue, within {kit.CLOCK_TOLERANCE} s of the "
        f"grader's clock ({int(now)}), got {iat:.0f}",
    )
    expect(
        0 < exp - iat <= kit.MAX_ACCESS_SECONDS,
        f"expected the access token to expire at most {kit.MAX_ACCESS_SECONDS} s (15 minutes) "
        f"after 'iat', got exp - iat = {exp - iat:.0f} s",
    )
    expect_equal(claims.get("iss"), kit.ISSUER, "the access token's 'iss'")
    aud = claims.get("aud")
    expect(
        aud == kit.AUDIENCE or (isinstance(aud, list) and kit.AUDIENCE in aud),
        f"expected the access token's 'aud' to be {kit.AUDIENCE!r} (or a list holding it), "
        f"got {aud!r}",
    )
    token_type = expect_field(login, "token_type", str)
    expect_equal(token_type.lower(), "bearer", "token_type (case aside)")
    expires_in = expect_field(login, "expires_in", int)
    expect(
        abs(expires_in - (exp - iat)) <= 5,
        f"expected expires_in to be the token's lifetime, exp - iat = {exp - iat:.0f} s, got "
        f"{expires_in}",
    )


@pytest.mark.stage("tokens")
def test_me_answers_the_owner_of_the_token(auth, kit):
    """GET /api/me with each of two users' access tokens answers that user."""
    for role in ("alice", "bob"):
        user = auth.register(role)
        resp = auth.me(auth.access(user))
        expect_status(resp, 200)
        body = expect_json(resp)
        got = (body.get("user") or {}) if isinstance(body, dict) else {}
        expect(
            (got.get("id"), got.get("email"), got.get("role")) == (user.id, user.email, "user"),
            f"expected GET /api/me with {user.email}'s token to answer "
            f"{{'id': {user.id}, 'email': {user.email!r}, 'role': 'user'}}, got "
            f"{kit.brief(resp)}",
        )


def _signed_again(holder, server, auth, kit) -> tuple[str, dict]:
    """``$JWT_SECRET`` and fresh claims of a real token, once a control shows the server
    accepts them signed with it (else the check is skipped: the control is its own check)."""
    server.require_started("forging a token needs the JWT_SECRET learnpath gives your server")
    secret = server.env.get("JWT_SECRET")
    if not secret:
        pytest.skip("this run gave the server no JWT_SECRET to sign test tokens with")
    _, login = holder
    _, claims = _claims(kit, login["access_token"])
    now = int(time.time())
    fresh = {**claims, "iat": now, "exp": now + 600}
    resp = auth.me(kit.sign_hmac(fresh, secret))
    if resp.status_code != 200:
        pytest.skip(
            "your server does not accept its own token's claims signed again with $JWT_SECRET "
            "(see test_tokens_are_signed_with_jwt_secret)"
        )
    return secret, fresh


@pytest.mark.stage("tokens")
def test_tokens_are_signed_with_jwt_secret(holder, server, auth, kit):
    """The token's claims signed again with $JWT_SECRET (HS256) are accepted for the same user."""
    server.require_started("forging a token needs the JWT_SECRET learnpath gives your server")
    secret = server.env.get("JWT_SECRET")
    if not secret:
        pytest.skip("this run gave the server no JWT_SECRET to sign test tokens with")
    user, login = holder
    _, claims = _claims(kit, login["access_token"])
    now = int(time.time())
    resp = auth.me(kit.sign_hmac({**claims, "iat": now, "exp": now + 600}, secret))
    expect(
        resp.status_code == 200,
        f"expected GET /api/me to accept the claims of {user.email}'s own token signed again "
        f"with $JWT_SECRET (HS256), got {kit.brief(resp)}: sign your tokens with the secret "
        "in the JWT_SECRET environment variable",
    )
    got = (expect_json(resp).get("user") or {}).get("id")
    expect_equal(got, user.id, "user.id of GET /api/me with the re-signed token")


def _refused(auth, kit, token: str | None, label: str) -> None:
    resp = auth.api.get("/api/me") if token is None else auth.me(token)
    accepted = " (the server accepted it)" if resp.status_code < 300 else ""
    expect(
        resp.status_code == 401,
        f"expected status 401 for GET /api/me with {label}, got {kit.brief(resp)}{accepted}",
    )
    kit.check_error(resp, 401, f"GET /api/me with {label}")


@pytest.mark.stage("tokens")
@pytest.mark.parametrize("kind", ["missing", "garbage", "other-key", "alg-none"])
def test_missing_and_forged_tokens_are_refused(holder, auth, kit, kind):
    """GET /api/me answers 401 without a token and for tokens nobody signed with your key."""
    _, login = holder
    _, claims = _claims(kit, login["access_token"])
    if kind == "missing":
        _refused(auth, kit, None, "no Authorization header")
    elif kind == "garbage":
        _refused(auth, kit, "a.b.c", "'Bearer a.b.c'")
    elif kind == "other-key":
        key = "not-the-secret-your-server-signs-with-" + secrets.token_hex(8)
        _refused(
            auth, kit, kit.sign_hmac(claims, key), "a real token's claims signed with another key"
        )
    else:
        for alg in ("none", "None", "NONE"):
            for dot in (True, False):
                shape = "with" if dot else "without"
                label = f"an unsigned token ('alg': '{alg}', {shape} the final dot)"
                _refused(auth, kit, kit.unsigned(claims, alg, dot), label)


# The claims (and signature) changes a correct server refuses, though signed with its own key.
SIGNED = {
    "expired": "a token that expired 10 minutes ago",
    "no-exp": "a token without 'exp'",
    "wrong-aud": "a token with 'aud': 'another-api'",
    "no-aud": "a token without 'aud'",
    "wrong-iss": "a token with 'iss': 'someone-else'",
    "hs512": "a token signed with HS512 instead of HS256",
    "rs256-header": "a token whose header says 'RS256' but is signed with HMAC-SHA256",
    "unknown-user": "a token whose 'sub' names no user ('987654321')",
}


@pytest.mark.stage("tokens")
@pytest.mark.parametrize("kind", list(SIGNED))
def test_tokens_signed_with_your_key_but_wrong_are_refused(holder, server, auth, kit, kind):
    """GET /api/me answers 401 for tokens signed with $JWT_SECRET that fail a required check."""
    secret, claims = _signed_again(holder, server, auth, kit)
    now = int(time.time())
    alg, header_alg = "HS256", None
    if kind == "expired":
        claims.update(iat=now - 1500, exp=now - 600)
    elif kind == "no-exp":
        del claims["exp"]
    elif kind == "wrong-aud":
        claims["aud"] = "another-api"
    elif kind == "no-aud":
        claims.pop("aud", None)
    elif kind == "wrong-iss":
        claims["iss"] = "someone-else"
    elif kind == "hs512":
        alg = "HS512"
    elif kind == "rs256-header":
        header_alg = "RS256"
    else:
        claims["sub"] = "987654321"
    token = kit.sign_hmac(claims, secret, alg=alg, header_alg=header_alg)
    _refused(auth, kit, token, f"{SIGNED[kind]}, signed with $JWT_SECRET")
