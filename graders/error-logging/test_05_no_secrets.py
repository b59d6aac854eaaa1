"""Stage no-secrets: with LOG_LEVEL=debug the server logs each request's headers and body,
yet no password, token, key, cookie or card number reaches the log, and no error body echoes
one back."""

import secrets

import pytest
from conftest import SETTLE, Line, access_line, brief, mentioning, of, show

from learnpath.grading.checks import expect, expect_status


def expect_absent(raw: list[str], value: str, what: str, sent: str) -> None:
    hits = [line for line in raw if value in line]
    expect(
        not hits,
        f"expected {what} ({value!r}, sent in {sent}) never to reach the log, even at debug; it "
        f"is in: {hits[0][:300]!r}"
        if hits
        else "",
    )


def expect_body_logged(lines: list[Line], rid: str, marker: str, what: str) -> None:
    mine = of(lines, rid)
    expect(
        mentioning(mine, marker),
        f"expected the debug lines of {what} (request_id {rid}) to show the request "
        f"({marker!r} is in it), with only its secrets masked; its lines: {show(mine)}",
    )


@pytest.mark.stage("no-secrets")
@pytest.mark.log_level("debug")
def test_passwords_never_reach_the_log(api, shop, logs):
    """Passwords of a sign-up, a login, a wrong login, a cut-off body and a 422 stay out."""
    username = shop.username("careful")
    password, wrong, cut, rejected = (shop.secret(w) for w in ("pw", "wrong", "cut", "rejected"))
    ids = {name: shop.rid(name) for name in ("signup", "login", "wrong", "cut", "invalid")}
    shop.register(username, password, headers={"X-Request-ID": ids["signup"]})
    shop.login(username, password, headers={"X-Request-ID": ids["login"]})
    resp = api.post(
        "/login",
        json={"username": username, "password": wrong},
        headers={"X-Request-ID": ids["wrong"]},
    )
    expect_status(resp, 401)
    api.post(
        "/users",
        content=f'{{"username": "{username}x", "password": "{cut}"',
        headers={"Content-Type": "application/json", "X-Request-ID": ids["cut"]},
    )
    too_long = rejected.ljust(240, "!")  # over 200 characters: the password is invalid too
    resp = api.post(
        "/users",
        json={"username": "x", "password": too_long},
        headers={"X-Request-ID": ids["invalid"]},
    )
    expect(
        rejected not in resp.text,
        f"expected the {resp.status_code} answer to POST /users with an invalid username and "
        f"password not to echo the password back, got {brief(resp)}",
    )
    lines = logs.wait_for_access(*ids.values(), settle=SETTLE)
    for name, rid in ids.items():
        access_line(lines, rid, f"the {name} request (its secrets masked, it is still logged)")
    raw = logs.raw()
    expect_absent(raw, password, "the password", "POST /users and POST /login")
    expect_absent(raw, wrong, "a wrong password", "a failed POST /login")
    expect_absent(raw, cut, "the password", "a POST /users body that is not valid JSON")
    expect_absent(raw, rejected, "the password", "a POST /users that answers 422")
    expect_body_logged(lines, ids["signup"], username, "POST /users")


@pytest.mark.stage("no-secrets")
@pytest.mark.log_level("debug")
def test_tokens_keys_and_cookies_never_reach_the_log(api, shop, logs, account, uid):
    """Bearer tokens, a cookie, an API key and a token in the query string stay out."""
    cookie, key, in_query = (shop.secret(w) for w in ("session", "key", "qtoken"))
    client = f"lp-client-{uid}"
    rid, login_rid = shop.rid("orders"), shop.rid("login")
    resp = api.get(
        f"/orders?access_token={in_query}&page=1",
        headers={
            **account.auth,
            "Cookie": f"session={cookie}; theme=dark",
            "X-Api-Key": key,
            "X-Client": client,
            "X-Request-ID": rid,
        },
    )
    expect_status(resp, 200)
    fresh = shop.login(account.username, account.password, headers={"X-Request-ID": login_rid})
    lines = logs.wait_for_access(rid, login_rid, settle=SETTLE)
    access_line(lines, rid, "GET /orders with a token, a cookie and an API key")
    raw = logs.raw()
    expect_absent(raw, account.token, "the token", "Authorization: Bearer …")
    expect_absent(raw, fresh, "the token", "the answer of POST /login")
    expect_absent(raw, cookie, "the session cookie", "the Cookie header")
    expect_absent(raw, key, "the API key", "the X-Api-Key header")
    expect_absent(raw, in_query, "the token", "the query string (?access_token=…)")
    expect_body_logged(lines, rid, client, "GET /orders (its headers, e.g. X-Client)")


def cvc_values(lines: list[Line], cvc: str) -> list[Line]:
    """The lines with a field named cvc holding ``cvc``."""
    hits = []
    for line in lines:
        stack = [line.fields]
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                for k, v in value.items():
                    if str(k).lower() == "cvc" and str(v) == cvc:
                        hits.append(line)
                        stack.clear()
                        break
                    stack.append(v)
            elif isinstance(value, list):
                stack.extend(value)
    return hits


@pytest.mark.stage("no-secrets")
@pytest.mark.log_level("debug")
def test_card_numbers_never_reach_the_log(api, shop, logs, account, uid):
    """An order's card number and CVC stay out of the log and the answers."""
    card = f"4{secrets.randbelow(10**15):015d}"
    other = f"5{secrets.randbelow(10**19):019d}"  # 20 digits: not a card number we take
    cvc = f"{secrets.randbelow(900) + 100}"
    item = f"teapot-{uid}-{shop.n()}"
    rid, bad_rid = shop.rid("order"), shop.rid("bad-order")
    resp = api.post(
        "/orders",
        json=shop.order_body(item, card, cvc),
        headers={**account.auth, "X-Request-ID": rid},
    )
    expect_status(resp, 201)
    expect(
        card not in resp.text,
        f"expected the answer of POST /orders not to show the whole card number, got {brief(resp)}",
    )
    invalid = shop.order_body(item, other, cvc)
    resp = api.post("/orders", json=invalid, headers={**account.auth, "X-Request-ID": bad_rid})
    expect(
        other not in resp.text,
        f"expected the {resp.status_code} answer to POST /orders with a 20-digit card number not "
        f"to echo it back, got {brief(resp)}",
    )
    lines = logs.wait_for_access(rid, bad_rid, settle=SETTLE)
    access_line(lines, rid, "POST /orders with a card")
    access_line(lines, bad_rid, "POST /orders with a card number that is too long")
    raw = logs.raw()
    expect_absent(raw, card, "the card number", "the body of POST /orders")
    expect_absent(raw, other, "the card number", "a POST /orders refused for it")
    hits = cvc_values(lines, cvc)
    expect(
        not hits,
        f"expected the CVC ({cvc}, sent as payment.cvc) never to reach the log, got "
        f"{show(hits, 1)}",
    )
    expect_body_logged(lines, rid, item, "POST /orders (its body, e.g. the item)")
