"""Stage state-and-pkce: the state ties the callback to the browser that started the sign-in,
works once, and PKCE makes a code useless to anyone but the flow it was issued to."""

import pytest

from learnpath.grading.checks import expect


def _callback(oidc, code: str, state: str | None) -> str:
    query = f"code={code}" + (f"&state={state}" if state is not None else "")
    return f"{oidc.callback_path}?{query}"


@pytest.mark.stage("state-and-pkce")
def test_each_sign_in_gets_its_own_state_nonce_and_challenge(oidc):
    """Every GET /login makes a new state, nonce and code_challenge (also in one browser)."""
    first, second = oidc.browser("one"), oidc.browser("two")
    starts = [oidc.start(first), oidc.start(second), oidc.start(first)]
    for name in ("state", "nonce", "code_challenge"):
        values = [s.params.get(name) for s in starts]
        expect(
            len(set(values)) == len(values),
            f"expected a new {name} for each GET /login (three sign-ins, two browsers), got "
            f"{values}: a fixed {name} protects nothing",
        )


@pytest.mark.stage("state-and-pkce")
def test_two_sign_ins_at_once_both_succeed(oidc):
    """Two sign-ins at once both succeed: each browser keeps its own state and verifier.

    Two browsers start signing in, then both come back, the first one last."""
    ann, ben = oidc.person("ann"), oidc.person("ben")
    first, second = oidc.browser("ann"), oidc.browser("ben")
    started = [oidc.start(first), oidc.start(second)]
    for browser, start, person in ((second, started[1], ben), (first, started[0], ann)):
        user = oidc.complete(browser, start, person, stage="state-and-pkce").user
        expect(
            user.get("sub") == person.sub,
            f"expected GET /me to show {person.sub!r} after two sign-ins at once, got "
            f"{user.get('sub')!r}: keep each browser's state and verifier in its own session",
        )


@pytest.mark.stage("state-and-pkce")
def test_a_missing_or_wrong_state_is_refused(oidc, kit):
    """A callback without state, or with a state this browser was not given, is refused."""
    person = oidc.person("sam")
    browser = oidc.browser("no state")
    code = oidc.code_of(oidc.authorize(browser, oidc.start(browser), person))
    resp = browser.get(_callback(oidc, code, None))
    oidc.refused(browser, resp, "a callback without state")
    browser = oidc.browser("wrong state")
    code = oidc.code_of(oidc.authorize(browser, oidc.start(browser), person))
    resp = browser.get(_callback(oidc, code, kit.random_cookie()))
    oidc.refused(browser, resp, "a callback with a state this browser was not given")


@pytest.mark.stage("state-and-pkce")
def test_a_state_from_another_browser_is_refused(oidc):
    """Login CSRF: the attacker's callback URL opened in the victim's browser is refused.

    Their code and state, in a browser that never started a sign-in and in one that started its
    own."""
    mallory = oidc.person("mallory")
    attacker = oidc.browser("attacker")
    start = oidc.start(attacker)
    url = oidc.authorize(attacker, start, mallory)  # the attacker stops here and sends the link
    victim = oidc.browser("victim")
    oidc.refused(
        victim,
        victim.get(url),
        "the attacker's callback URL (their code and state) in a browser that never started a "
        "sign-in (login CSRF: the victim would work in the attacker's account)",
    )
    victim = oidc.browser("victim signing in")
    oidc.start(victim)
    fresh = oidc.new_code(attacker, start, mallory)
    oidc.refused(
        victim,
        victim.get(_callback(oidc, fresh, start.state)),
        "the attacker's code and state in a browser that started a sign-in of its own",
    )


@pytest.mark.stage("state-and-pkce")
def test_a_state_works_once(oidc, kit):
    """After a sign-in, its state is used up: a new code sent with it is refused."""
    person = oidc.person("once")
    browser = oidc.browser("once")
    login = oidc.sign_in(browser, person, stage="login-flow")
    code = oidc.new_code(browser, login.start, person)
    resp = browser.get(_callback(oidc, code, login.start.state))
    expect(
        resp.status_code in kit.REFUSED,
        f"expected a callback with a state that already signed this browser in (and a fresh "
        f"code for the same request) to be refused with 400, 401 or 403, got "
        f"{kit.brief(resp)}: forget the state once the callback used it",
    )


@pytest.mark.stage("state-and-pkce")
def test_a_code_from_another_sign_in_is_refused(oidc):
    """A code from another browser's sign-in, sent with this browser's own state, is refused.

    The token request carries this browser's code_verifier, which does not fit that code."""
    mallory = oidc.person("mallory")
    attacker = oidc.browser("attacker")
    code = oidc.code_of(oidc.authorize(attacker, oidc.start(attacker), mallory))
    victim = oidc.browser("victim")
    start = oidc.start(victim)
    oidc.refused(
        victim,
        victim.get(_callback(oidc, code, start.state)),
        "the attacker's code with the victim's own state (a code injected into the victim's "
        "sign-in: only the code_verifier of this browser's sign-in tells them apart)",
    )
    sent = [r for r in oidc.control.token_requests(code) if r["status"] == 200]
    expect(
        not sent,
        "expected the provider to refuse your server's token request for the injected code, "
        "but it issued tokens: send the code_verifier of this browser's own sign-in",
    )
