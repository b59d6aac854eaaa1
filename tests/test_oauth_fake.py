"""The fake OpenID provider, as a real subprocess over real HTTP: the code flow with PKCE, its
refusals, the control API, and the ``oauth`` service that runs it for a grading run."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from learnpath.fakes.oauth import process
from learnpath.fakes.oauth.control import Control, ControlError, s256, sub_for_email
from learnpath.fakes.oauth.keys import RsaKey, b64url, sign_jwt, tampered_jwt, unsigned_jwt

pytestmark = pytest.mark.slow

REDIRECT = "http://127.0.0.1:9/auth/callback"
ADA = {"sub": "ada-1", "email": "ada@example.com", "name": "Ada Lovelace"}


@pytest.fixture(scope="module")
def fake():
    running = process.start(redirect_uris=[REDIRECT])
    yield running
    running.stop()


@pytest.fixture
def control(fake):
    with fake.control() as ctl:
        ctl.reset()
        ctl.sign_in(ADA)
        yield ctl


@pytest.fixture
def http(fake):
    with httpx.Client(base_url=fake.url, trust_env=False, timeout=30) as client:
        yield client


def authorize_params(fake, verifier: str, **extra) -> dict:
    params = {
        "client_id": fake.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid email profile",
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
    }
    params.update(extra)
    return {k: v for k, v in params.items() if v is not None}


def redirected(response: httpx.Response) -> dict[str, str]:
    """The query of a redirect to the client's redirect_uri."""
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def get_code(fake, http, verifier: str, **extra) -> tuple[str, dict]:
    params = authorize_params(fake, verifier, **extra)
    query = redirected(http.get("/authorize", params=params))
    assert query.get("state") == params.get("state")
    return query["code"], params


def redeem(fake, http, code: str, verifier: str | None, *, auth="basic", **extra) -> httpx.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    if verifier is not None:
        form["code_verifier"] = verifier
    form.update(extra)
    if auth == "basic":
        return http.post("/token", data=form, auth=(fake.client_id, fake.client_secret))
    if auth == "post":
        form.update(client_id=fake.client_id, client_secret=fake.client_secret)
    return http.post("/token", data=form)


def claims_of(token: str) -> tuple[dict, dict]:
    return jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})


def verify_with_jwks(jwks: dict, token: str) -> bool:
    """RS256 signature verification from the JWKS alone (what a client does); the claims are
    the provider's faults to judge, not this."""
    kid = jwt.get_unverified_header(token).get("kid")
    [jwk] = [k for k in jwks["keys"] if k["kid"] == kid]
    try:
        jwt.api_jws.decode(token, jwt.PyJWK(jwk).key, algorithms=["RS256"])
    except jwt.InvalidTokenError:
        return False
    return True


def test_signed_tokens_verify_with_the_jwks_and_forged_ones_do_not():
    key = RsaKey.generate()
    jwks = {"keys": [key.jwk()]}
    jwk = jwks["keys"][0]
    assert (jwk["kty"], jwk["use"], jwk["alg"], jwk["e"]) == ("RSA", "sig", "RS256", "AQAB")
    assert jwt.PyJWK(jwk).key.key_size == 2048
    # the kid is the RFC 7638 thumbprint
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"))
    assert jwk["kid"] == b64url(hashlib.sha256(canonical.encode()).digest())

    token = sign_jwt(key, {"sub": "x"})
    assert jwt.get_unverified_header(token) == {"alg": "RS256", "typ": "JWT", "kid": key.kid}
    assert jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["RS256"]) == {"sub": "x"}
    assert verify_with_jwks(jwks, token)
    # a fault may set claims PyJWT's jwt.encode refuses; they are still signed
    odd = sign_jwt(key, {"sub": "x", "iss": 42})
    assert verify_with_jwks(jwks, odd) and claims_of(odd)[1]["iss"] == 42

    tampered = tampered_jwt(key, {"sub": "x"}, {"sub": "y"})
    assert claims_of(tampered)[1] == {"sub": "y"}
    assert not verify_with_jwks(jwks, tampered)
    unsigned = unsigned_jwt({"sub": "x"}, kid=key.kid)
    assert claims_of(unsigned)[0]["alg"] == "none" and unsigned.endswith(".")
    assert not verify_with_jwks(jwks, unsigned)
    assert not verify_with_jwks(
        jwks, sign_jwt(RsaKey.generate(), {"sub": "x"}, header={"kid": key.kid})
    )


def test_discovery_document_and_jwks(fake, http, control):
    meta = http.get("/.well-known/openid-configuration").json()
    assert meta["issuer"] == fake.url == fake.issuer
    assert meta["authorization_endpoint"] == f"{fake.url}/authorize"
    assert meta["token_endpoint"] == f"{fake.url}/token"
    assert meta["userinfo_endpoint"] == f"{fake.url}/userinfo"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["id_token_signing_alg_values_supported"] == ["RS256"]
    jwks = http.get(meta["jwks_uri"]).json()
    assert [k["kid"] for k in jwks["keys"]] == [k["kid"] for k in control.jwks()["keys"]]


def test_the_code_flow_with_pkce(fake, http, control):
    verifier = secrets.token_urlsafe(48)
    code, params = get_code(fake, http, verifier)
    answer = redeem(fake, http, code, verifier)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    tokens = answer.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["scope"] == "openid email profile"
    header, claims = claims_of(tokens["id_token"])
    assert header["alg"] == "RS256"
    assert verify_with_jwks(http.get("/.well-known/jwks.json").json(), tokens["id_token"])
    assert claims["iss"] == fake.url
    assert claims["aud"] == fake.client_id
    assert claims["sub"] == ADA["sub"]
    assert claims["nonce"] == params["nonce"]
    assert claims["email"] == ADA["email"] and claims["name"] == ADA["name"]
    assert 0 < claims["exp"] - claims["iat"] <= 600
    digest = hashlib.sha256(tokens["access_token"].encode()).digest()[:16]
    assert claims["at_hash"] == b64url(digest)
    info = http.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert info.json() == {
        "sub": ADA["sub"],
        "email": ADA["email"],
        "email_verified": True,
        "name": ADA["name"],
    }
    [authz] = control.authorizations(state=params["state"])
    assert authz["redeemed"] and authz["code"] == code and authz["user"]["sub"] == ADA["sub"]
    [token_request] = control.token_requests(code)
    assert token_request["client_auth"] == "basic"
    assert token_request["form"]["code_verifier"] == verifier
    assert token_request["authorization"] == authz["id"]
    assert [r["status"] for r in control.userinfo_requests(tokens["access_token"])] == [200]


def test_scopes_decide_the_claims(fake, http, control):
    verifier = secrets.token_urlsafe(48)
    code, _ = get_code(fake, http, verifier, scope="openid", nonce=None)
    tokens = redeem(fake, http, code, verifier, auth="post").json()
    _, claims = claims_of(tokens["id_token"])
    assert "email" not in claims and "name" not in claims and "nonce" not in claims
    info = http.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert info.json() == {"sub": ADA["sub"]}
    [token_request] = control.token_requests(code)
    assert token_request["client_auth"] == "post"


def test_client_authentication(fake, http, control):
    verifier = secrets.token_urlsafe(48)
    code, _ = get_code(fake, http, verifier)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    form["code_verifier"] = verifier
    nobody = http.post("/token", data=form)
    assert nobody.status_code == 401
    assert nobody.json()["error"] == "invalid_client"
    wrong = http.post("/token", data=form, auth=(fake.client_id, "not-the-secret"))
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"].startswith("Basic")
    both = http.post(
        "/token",
        data={**form, "client_secret": fake.client_secret},
        auth=(fake.client_id, fake.client_secret),
    )
    assert both.status_code == 400
    as_json = http.post(
        "/token", json={**form, "client_id": fake.client_id, "client_secret": fake.client_secret}
    )
    assert as_json.status_code == 400
    assert "x-www-form-urlencoded" in as_json.json()["error_description"]
    assert [r["client_auth"] for r in control.token_requests(code)] == [
        "none",
        "invalid",
        "invalid",
    ]
    assert control.token_requests()[-1]["form"] is None  # the JSON one
    # none of those used the code up
    assert redeem(fake, http, code, verifier).status_code == 200


def test_a_reused_code_is_refused_and_revokes_its_tokens(fake, http, control):
    verifier = secrets.token_urlsafe(48)
    code, params = get_code(fake, http, verifier)
    first = redeem(fake, http, code, verifier)
    access = first.json()["access_token"]
    bearer = {"Authorization": f"Bearer {access}"}
    assert http.get("/userinfo", headers=bearer).status_code == 200
    again = redeem(fake, http, code, verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    revoked = http.get("/userinfo", headers=bearer)
    assert revoked.status_code == 401
    assert 'error="invalid_token"' in revoked.headers["www-authenticate"]
    [authz] = control.authorizations(state=params["state"])
    assert authz["reused"] and authz["revoked"] == [access] and authz["redeem_attempts"] == 2


def test_the_code_verifier_must_match(fake, http, control):
    verifier = secrets.token_urlsafe(48)
    code, _ = get_code(fake, http, verifier)
    missing = redeem(fake, http, code, None)
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_grant")
    assert "code_verifier" in missing.json()["error_description"]
    other = redeem(fake, http, code, secrets.token_urlsafe(48))
    assert (other.status_code, other.json()["error"]) == (400, "invalid_grant")
    short = redeem(fake, http, code, "too-short")
    assert (short.status_code, short.json()["error"]) == (400, "invalid_request")
    # the challenge is S256, so sending the challenge itself as the verifier fails too
    plain = redeem(fake, http, code, s256(verifier))
    assert plain.status_code == 400
    assert redeem(fake, http, code, verifier).status_code == 200


def test_the_redirect_uri_must_match_exactly(fake, http, control):
    verifier = secrets.token_urlsafe(48)
    for uri in (REDIRECT + "/", REDIRECT.replace("127.0.0.1", "localhost"), REDIRECT + "?x=1"):
        page = http.get("/authorize", params=authorize_params(fake, verifier, redirect_uri=uri))
        assert page.status_code == 400, uri
        assert "location" not in page.headers
        assert "not registered" in page.text
    unknown = http.get("/authorize", params=authorize_params(fake, verifier, client_id="nobody"))
    assert unknown.status_code == 400
    code, _ = get_code(fake, http, verifier)
    elsewhere = redeem(fake, http, code, verifier, redirect_uri=REDIRECT + "/")
    assert (elsewhere.status_code, elsewhere.json()["error"]) == (400, "invalid_grant")
    left_out = http.post(
        "/token",
        data={"grant_type": "authorization_code", "code": code, "code_verifier": verifier},
        auth=(fake.client_id, fake.client_secret),
    )
    assert left_out.status_code == 400
    assert redeem(fake, http, code, verifier).status_code == 200


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
        ({"scope": "email"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
def test_bad_authorization_requests_go_back_with_the_state(fake, http, control, change, error):
    params = authorize_params(fake, secrets.token_urlsafe(48), **change)
    query = redirected(http.get("/authorize", params=params))
    assert query["error"] == error
    assert query["state"] == params["state"]
    assert "code" not in query


def test_codes_expire(fake, http, control):
    control.configure(code_ttl=30)
    verifier = secrets.token_urlsafe(48)
    code, _ = get_code(fake, http, verifier)
    control.advance_clock(31)
    late = redeem(fake, http, code, verifier)
    assert (late.status_code, late.json()["error"]) == (400, "invalid_grant")
    assert "expired" in late.json()["error_description"]
    assert control.config()["clock_offset"] == 31


def test_the_consent_page_when_nobody_is_signed_in(fake, http, control):
    control.sign_in(None)
    verifier = secrets.token_urlsafe(48)
    params = authorize_params(fake, verifier)
    page = http.get("/authorize", params=params)
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    [authz] = control.authorizations(state=params["state"])
    assert authz["decision"] == "pending" and f'value="{authz["id"]}"' in page.text
    allowed = http.post(
        "/authorize",
        data={"request": authz["id"], "decision": "allow", "email": "Grace@Example.com"},
    )
    query = redirected(allowed)
    assert query["state"] == params["state"]
    tokens = redeem(fake, http, query["code"], verifier).json()
    _, claims = claims_of(tokens["id_token"])
    assert claims["sub"] == sub_for_email("grace@example.com")
    assert claims["email"] == "Grace@Example.com" and claims["name"] == "Grace"
    twice = http.post("/authorize", data={"request": authz["id"], "decision": "allow"})
    assert twice.status_code == 400
    params = authorize_params(fake, verifier)
    http.get("/authorize", params=params)
    [authz] = control.authorizations(state=params["state"])
    denied = redirected(http.post("/authorize", data={"request": authz["id"], "decision": "deny"}))
    assert denied["error"] == "access_denied" and denied["state"] == params["state"]


def test_the_signed_in_user_can_deny(fake, http, control):
    control.deny()
    params = authorize_params(fake, secrets.token_urlsafe(48))
    query = redirected(http.get("/authorize", params=params))
    assert query["error"] == "access_denied"
    assert control.authorizations(state=params["state"])[0]["code"] is None


@pytest.mark.parametrize(
    ("fault", "check"),
    [
        ("wrong_iss", lambda c, p, fake: c["iss"] != fake.url),
        ("wrong_aud", lambda c, p, fake: c["aud"] != fake.client_id),
        ("expired", lambda c, p, fake: c["exp"] < c["iat"] + 600 and c["exp"] < 2e9),
        ("wrong_nonce", lambda c, p, fake: c["nonce"] != p["nonce"]),
        ("no_nonce", lambda c, p, fake: "nonce" not in c),
    ],
)
def test_faults_change_the_next_id_token(fake, http, control, fault, check):
    control.add_fault(fault)
    assert [f["fault"] for f in control.faults()] == [fault]
    verifier = secrets.token_urlsafe(48)
    code, params = get_code(fake, http, verifier)
    token = redeem(fake, http, code, verifier).json()["id_token"]
    _, claims = claims_of(token)
    assert check(claims, params, fake)
    assert verify_with_jwks(control.jwks(), token)  # still properly signed
    assert control.faults() == []
    # the one after is genuine again
    code, params = get_code(fake, http, verifier)
    _, claims = claims_of(redeem(fake, http, code, verifier).json()["id_token"])
    assert claims["iss"] == fake.url and claims["aud"] == fake.client_id
    assert claims["nonce"] == params["nonce"]


def test_expired_means_in_the_past(fake, http, control):
    import time

    control.add_fault("expired")
    verifier = secrets.token_urlsafe(48)
    code, _ = get_code(fake, http, verifier)
    _, claims = claims_of(redeem(fake, http, code, verifier).json()["id_token"])
    assert claims["exp"] <= time.time() - 500


def test_forged_signatures_and_lying_userinfo(fake, http, control):
    jwks = control.jwks()
    verifier = secrets.token_urlsafe(48)
    control.add_fault("tampered")
    code, _ = get_code(fake, http, verifier)
    token = redeem(fake, http, code, verifier).json()["id_token"]
    assert not verify_with_jwks(jwks, token)
    assert claims_of(token)[1]["sub"] != ADA["sub"]
    control.add_fault("alg_none")
    code, _ = get_code(fake, http, verifier)
    token = redeem(fake, http, code, verifier).json()["id_token"]
    assert claims_of(token)[0]["alg"] == "none" and token.endswith(".")
    control.add_fault("userinfo_sub")
    code, _ = get_code(fake, http, verifier)
    tokens = redeem(fake, http, code, verifier).json()
    assert claims_of(tokens["id_token"])[1]["sub"] == ADA["sub"]
    info = http.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert info.json()["sub"] != ADA["sub"]


def test_custom_claims_and_counts(fake, http, control):
    control.add_fault(claims={"email": "x@example.com"}, remove=["exp"], count=2)
    verifier = secrets.token_urlsafe(48)
    for left in (1, 0):
        code, _ = get_code(fake, http, verifier)
        _, claims = claims_of(redeem(fake, http, code, verifier).json()["id_token"])
        assert claims["email"] == "x@example.com" and "exp" not in claims
        assert len(control.faults()) == left
    with pytest.raises(ControlError, match="unknown fault"):
        control.add_fault("nonsense")
    control.add_fault("expired")
    control.clear_faults()
    assert control.faults() == []


def test_the_control_api_is_separate_and_resets(fake, http, control):
    assert http.get("/_control/config").status_code == 401
    with (
        Control(fake.url, fake.client_secret) as stranger,
        pytest.raises(ControlError, match="401"),
    ):
        stranger.config()
    with pytest.raises(ControlError, match="unknown settings"):
        control.configure(code_tll=5)
    with pytest.raises(ControlError, match="email"):
        control.sign_in({"name": "no email"})
    verifier = secrets.token_urlsafe(48)
    get_code(fake, http, verifier)
    assert control.authorizations() and control.requests(path="/authorize")
    control.reset()
    assert control.authorizations() == [] and control.requests() == []
    assert control.config()["signin"] is None
    assert http.get("/nowhere").status_code == 404
    assert http.get("/_control/nowhere", headers={"X-Control-Token": "x"}).status_code == 404


def test_userinfo_needs_a_known_token(fake, http, control):
    assert http.get("/userinfo").status_code == 401
    unknown = http.get("/userinfo", headers={"Authorization": "Bearer nope"})
    assert unknown.status_code == 401
    assert unknown.json()["error"] == "invalid_token"
    verifier = secrets.token_urlsafe(48)
    code, _ = get_code(fake, http, verifier)
    access = redeem(fake, http, code, verifier).json()["access_token"]
    posted = http.post("/userinfo", data={"access_token": access})
    assert posted.json()["sub"] == ADA["sub"]
    control.advance_clock(3601)
    late = http.get("/userinfo", headers={"Authorization": f"Bearer {access}"})
    assert late.status_code == 401


def test_basic_credentials_are_form_encoded_first(fake, http, control):
    """RFC 6749 2.3.1: client_id and secret are form-urlencoded before base64."""
    verifier = secrets.token_urlsafe(48)
    code, _ = get_code(fake, http, verifier)
    from urllib.parse import quote_plus

    pair = f"{quote_plus(fake.client_id)}:{quote_plus(fake.client_secret)}"
    header = "Basic " + base64.b64encode(pair.encode()).decode()
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    answer = http.post(
        "/token", data={**form, "code_verifier": verifier}, headers={"Authorization": header}
    )
    assert answer.status_code == 200, answer.text


def test_secrets_that_look_like_options_are_passed_safely():
    running = process.start(
        redirect_uris=[REDIRECT], client_id="-client", client_secret="-secret-starting-with-dash"
    )
    try:
        with running.control() as ctl:
            assert ctl.config()["client_id"] == "-client"
    finally:
        running.stop()


def test_the_service_gives_the_server_its_client(tmp_path):
    from learnpath.services.registry import start_all

    app = "http://127.0.0.1:9"
    with start_all(["oauth"], app_url=app, options={"oauth": {"callback_path": "/cb"}}) as run:
        env, info = run.env, run.info["oauth"]
        assert env["OAUTH_REDIRECT_URI"] == f"{app}/cb" == info["redirect_uri"]
        assert env["OAUTH_ISSUER"] == info["url"] == info["issuer"]
        assert env["OAUTH_CLIENT_ID"] == info["client_id"]
        assert env["OAUTH_CLIENT_SECRET"] == info["client_secret"]
        meta = httpx.get(f"{info['url']}/.well-known/openid-configuration", trust_env=False)
        assert meta.json()["issuer"] == info["url"]
        with Control(info["url"], info["control_token"]) as ctl:
            assert ctl.config()["redirect_uris"] == [f"{app}/cb"]
        assert any("oauth" in line for line in run.describe)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{info['url']}/.well-known/openid-configuration", trust_env=False)
