"""Stage session-cookie: the session cookie is HttpOnly, SameSite, opaque, new at every sign-in,
dead after logout, and kept on the server (it outlives a restart)."""

import pytest

from learnpath.grading.checks import expect


def _session_cookie(kit, browser, login):
    """The session cookie the callback set (else the last one this browser was given)."""
    for raw in login.callback.headers.get_list("set-cookie"):
        cookie = kit.parse_set_cookie(raw)
        if cookie is not None and cookie.name == kit.SESSION_COOKIE:
            return cookie
    cookie = browser.set_cookies.get(kit.SESSION_COOKIE)
    expect(
        cookie is not None,
        f"expected a Set-Cookie for '{kit.SESSION_COOKIE}' during the sign-in, got none; "
        f"{browser.cookies_described()}",
    )
    return cookie


@pytest.mark.stage("session-cookie")
def test_the_session_cookie_is_httponly_samesite_and_secure_behind_https(oidc, kit):
    """The session cookie is HttpOnly, SameSite=Lax or Strict, Path=/, and Secure behind HTTPS.

    Behind HTTPS: the requests say X-Forwarded-Proto: https."""
    browser = oidc.browser("plain")
    cookie = _session_cookie(kit, browser, oidc.sign_in(browser, oidc.person("cookie")))
    shown = f"Set-Cookie: {cookie.header}"
    expect(
        "httponly" in cookie.attrs,
        f"expected the session cookie to be HttpOnly (no script may read it), got {shown}",
    )
    samesite = cookie.attrs.get("samesite", "").lower()
    expect(
        samesite in ("lax", "strict"),
        f"expected the session cookie to have SameSite=Lax (or Strict), got {shown}",
    )
    expect(
        cookie.attrs.get("path") == "/",
        f"expected the session cookie to have Path=/ (without it, a cookie set by "
        f"{oidc.callback_path} is sent only under its folder, not to /me), got {shown}",
    )
    https = oidc.browser("https", headers={"X-Forwarded-Proto": "https"})
    cookie = _session_cookie(kit, https, oidc.sign_in(https, oidc.person("tls")))
    expect(
        "secure" in cookie.attrs,
        f"expected the session cookie to be Secure when the requests say X-Forwarded-Proto: "
        f"https (the proxy in front of the app speaks HTTPS), got Set-Cookie: {cookie.header}",
    )


@pytest.mark.stage("session-cookie")
def test_the_session_cookie_is_opaque(oidc, kit):
    """The session cookie is opaque: not the user's id, sub or email, and no edit forges one.

    Editing it to name another user opens no session."""
    ada_browser, bob_browser = oidc.browser("ada"), oidc.browser("bob")
    ada = oidc.sign_in(ada_browser, oidc.person("ada")).user
    bob = oidc.sign_in(bob_browser, oidc.person("bob")).user
    value = ada_browser.session or ""
    mine = {k: ada.get(k) for k in ("id", "sub", "email")}
    theirs = {k: bob.get(k) for k in ("id", "sub", "email")}
    expect(
        value not in {str(v) for v in mine.values()},
        f"expected an opaque session cookie, got the user's own identifier ({value!r}): anyone "
        "can write someone else's",
    )
    for forged, how in kit.forgeries(value, mine, theirs):
        forger = oidc.browser("forger")
        forger.jar[kit.SESSION_COOKIE] = forged
        resp = oidc.me(forger)
        became = ""
        if resp.status_code == 200 and f'"{bob.get("sub")}"' in resp.text:
            became = ": it signed the forger in as Bob"
        expect(
            resp.status_code == 401,
            f"expected GET /me with a forged session cookie ({how}) to answer 401, got "
            f"{kit.brief(resp)}{became}; use a random id, or sign what you store",
        )


@pytest.mark.stage("session-cookie")
def test_signing_in_issues_a_new_session_id(oidc, kit):
    """Session fixation: signing in issues a new session id; the old ones open nothing.

    Neither a cookie planted before /login nor the one /login set opens the session."""
    browser = oidc.browser("victim")
    planted = kit.random_cookie()
    browser.jar[kit.SESSION_COOKIE] = planted
    start = oidc.start(browser)
    before = browser.session
    oidc.complete(browser, start, oidc.person("fixed"))
    after = browser.session
    olds = {planted: "planted before GET /login"}
    if before and before != planted:
        olds[before] = "set by GET /login"
    expect(
        after not in olds,
        f"expected a new session id at sign-in, but the session cookie after signing in is the "
        f"one {olds.get(after or '', 'held before')}: whoever knew it is now signed in too",
    )
    for old, where in olds.items():
        attacker = oidc.browser("attacker")
        attacker.jar[kit.SESSION_COOKIE] = old
        resp = oidc.me(attacker)
        expect(
            resp.status_code == 401,
            f"expected the session cookie {where} to open nothing after the victim signed in "
            f"(GET /me 401), got {kit.brief(resp)}",
        )


@pytest.mark.stage("session-cookie")
def test_logout_ends_the_session_on_the_server(oidc, kit):
    """After POST /logout, GET /me answers 401, also with a copy of the cookie taken before."""
    browser = oidc.browser("leaving")
    login = oidc.sign_in(browser, oidc.person("bye"))
    copied = browser.session or ""
    resp = browser.post("/logout", headers=oidc.csrf_headers(login))
    expect(
        resp.status_code in (200, 204, *kit.REDIRECTS),
        f"expected POST /logout to answer 204 (or 200, or a redirect), got {kit.brief(resp)}",
    )
    me = oidc.me(browser)
    expect(
        me.status_code == 401, f"expected GET /me after logout to answer 401, got {kit.brief(me)}"
    )
    thief = oidc.browser("thief")
    thief.jar[kit.SESSION_COOKIE] = copied
    me = oidc.me(thief)
    expect(
        me.status_code == 401,
        f"expected a copy of the session cookie taken before logout to open nothing after it "
        f"(GET /me 401), got {kit.brief(me)}: clearing the cookie in the browser is not enough, "
        "end the session on the server",
    )


@pytest.mark.stage("session-cookie")
def test_a_session_outlives_a_restart(oidc, kit, server):
    """Sessions are kept in the database: after a restart of the server the cookie still works."""
    server.require_started("restarting needs a server learnpath starts itself")
    browser = oidc.browser("kept")
    user = oidc.sign_in(browser, oidc.person("kept")).user
    server.restart()
    me = oidc.me(browser)
    expect(
        me.status_code == 200 and f'"{user.get("sub")}"' in me.text,
        f"expected GET /me to still show {user.get('email')} after the server restarted, got "
        f"{kit.brief(me)}: keep sessions in the database ($DATABASE_PATH), not in memory",
    )
