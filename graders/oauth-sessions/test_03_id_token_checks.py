"""Stage id-token-checks: the ID token is checked (signature with the provider's JWKS, iss,
aud, exp, nonce) before anyone is signed in, and userinfo must be about the same subject."""

import pytest

from learnpath.grading.checks import expect

BAD_TOKENS = [
    ("wrong_iss", "an ID token from another issuer (iss)"),
    ("wrong_aud", "an ID token for another client (aud)"),
    ("expired", "an ID token that expired 10 minutes ago (exp)"),
    ("wrong_nonce", "an ID token with another nonce than this sign-in's"),
    ("tampered", "an ID token whose claims were changed after it was signed"),
    ("alg_none", 'an unsigned ID token ("alg": "none")'),
]


def _faulty_sign_in(oidc, fault: str, what: str, role: str) -> None:
    person = oidc.person(role)
    browser = oidc.browser(role)
    url = oidc.authorize(browser, oidc.start(browser), person)
    oidc.control.add_fault(fault)
    resp = oidc.finish(browser, url)
    [authz] = oidc.control.authorizations(code=oidc.code_of(url))
    expect(
        authz["redeemed"] and authz["faults"],
        f"expected your server to exchange the code at the token endpoint (the provider would "
        f"have answered {what}), got {oidc.story(authz['code'])}".replace("got ; ", "but "),
    )
    oidc.refused(browser, resp, f"a sign-in whose token response holds {what}")


@pytest.mark.stage("id-token-checks")
def test_a_genuine_id_token_signs_in(oidc):
    """A sign-in with a genuine ID token still works (the checks below are not a blanket no)."""
    person = oidc.person("real")
    user = oidc.sign_in(oidc.browser("real"), person, stage="id-token-checks").user
    expect(
        user.get("sub") == person.sub,
        f"expected GET /me to show sub {person.sub!r}, got {user.get('sub')!r}",
    )


@pytest.mark.stage("id-token-checks")
@pytest.mark.parametrize(
    ("fault", "what"), BAD_TOKENS, ids=[f.replace("_", "-") for f, _ in BAD_TOKENS]
)
def test_a_bad_id_token_is_refused(oidc, fault, what):
    """A sign-in whose ID token is wrong is refused, and no session starts."""
    _faulty_sign_in(oidc, fault, what, fault.split("_")[-1])


@pytest.mark.stage("id-token-checks")
def test_userinfo_about_someone_else_is_refused(oidc):
    """When userinfo answers for another sub than the ID token's, the sign-in is refused."""
    _faulty_sign_in(
        oidc,
        "userinfo_sub",
        "a genuine ID token, and then a userinfo answer about another subject (sub)",
        "swap",
    )
