"""Stage errors: every error is an RFC 9457 problem, also the ones the framework raises itself,
and none shows a stack trace, a file path or an exception name."""

import json

import pytest
from conftest import MAX_BODY, UNKNOWN_ORDER, brief, send_chunked

from learnpath.grading.checks import CheckFailure, expect


@pytest.mark.stage("errors")
def test_unknown_path_is_a_404_problem(api, shop, uid):
    """A path the API does not have answers a 404 problem whose instance is the path."""
    shop.check_problem(api.get(f"/no-such-page-{uid}"), 404)
    shop.check_problem(api.get(f"/orders/{uid}/receipts/1"), 404)


@pytest.mark.stage("errors")
def test_wrong_method_is_a_405_problem_with_allow(api, shop):
    """A method a path does not answer is a 405 problem whose Allow header lists the others."""
    for path, method, allowed in (
        ("/orders", "DELETE", {"GET", "POST"}),
        ("/health", "PUT", {"GET"}),
    ):
        resp = api.request(method, path)
        shop.check_problem(resp, 405)
        listed = {m.strip().upper() for m in resp.headers.get("allow", "").split(",") if m.strip()}
        expect(
            allowed <= listed,
            f"expected the 405 for {method} {path} to send an Allow header listing "
            f"{', '.join(sorted(allowed))}, got {resp.headers.get('allow')!r}",
        )


@pytest.mark.stage("errors")
def test_malformed_json_is_a_400_problem(api, shop, uid):
    """A body that is not valid JSON answers a 400 problem (not the framework's 422 or HTML)."""
    for text in ('{"username": "cut_' + uid + '", "password": ', "{'single': 'quotes'}"):
        resp = api.post("/users", content=text, headers={"Content-Type": "application/json"})
        shop.check_problem(resp, 400)


@pytest.mark.stage("errors")
def test_a_body_that_is_not_json_is_a_415_problem(api, shop):
    """A body sent as text/plain or as a form answers a 415 problem, even if its text is JSON."""
    text = json.dumps({"username": shop.username("plain"), "password": "long enough"})
    for ctype in ("text/plain", "application/x-www-form-urlencoded"):
        resp = api.post("/users", content=text, headers={"Content-Type": ctype})
        shop.check_problem(resp, 415)


@pytest.mark.stage("errors")
def test_invalid_bodies_are_422_problems(api, shop, account):
    """Valid JSON that breaks the rules answers a 422 problem (a user, an order)."""
    shop.check_problem(api.post("/users", json={"username": "x"}), 422)
    shop.check_problem(api.post("/users", json=["not", "an", "object"]), 422)
    order = shop.order_body("Widget")
    order["quantity"] = 0
    shop.check_problem(api.post("/orders", json=order, headers=account.auth), 422)


@pytest.mark.stage("errors")
def test_a_body_over_16_kib_is_a_413_problem(api, shop, server):
    """A body over 16 KiB answers a 413 problem, with a Content-Length or in chunks."""
    big = json.dumps({"username": "u" * (2 * MAX_BODY), "password": "long enough"})
    shop.check_problem(
        api.post("/users", content=big, headers={"Content-Type": "application/json"}), 413
    )
    resp, curl = send_chunked(server.url, "/users", big.encode(), {})
    try:
        shop.check_problem(resp, 413)
    except CheckFailure as exc:
        raise CheckFailure(f"{exc} (a {len(big)}-byte body sent in chunks; try: {curl})") from None
    fits = json.dumps({"username": "u" * (12 * 1024), "password": "long enough"})
    resp = api.post("/users", content=fits, headers={"Content-Type": "application/json"})
    expect(
        resp.status_code != 413,
        f"expected a 12 KiB body to be read (the limit is 16 KiB = {MAX_BODY} bytes), got "
        f"{brief(resp)}",
    )
    shop.check_problem(resp, 422)


@pytest.mark.stage("errors")
def test_missing_or_wrong_credentials_are_401_problems(api, shop, account, uid):
    """No token, a token the server never issued and a wrong password answer 401 problems."""
    shop.check_problem(api.get("/orders"), 401)
    shop.check_problem(api.get("/orders", headers={"Authorization": f"Bearer made-up-{uid}"}), 401)
    shop.check_problem(
        api.post("/login", json={"username": account.username, "password": "wrong password"}), 401
    )


@pytest.mark.stage("errors")
def test_conflict_and_unknown_order_are_problems(api, shop, account):
    """A taken username answers a 409 problem; an order that does not exist a 404 problem."""
    shop.check_problem(
        api.post("/users", json={"username": account.username, "password": "another one"}), 409
    )
    shop.check_problem(api.get(f"/orders/{UNKNOWN_ORDER}", headers=account.auth), 404)


@pytest.mark.stage("errors")
def test_an_internal_error_is_a_generic_500_problem(api, shop):
    """GET /boom fails inside: a 500 problem with no stack trace, path or exception in it."""
    resp = api.get("/boom")
    if 200 <= resp.status_code < 300:
        raise CheckFailure(
            f"expected GET /boom to fail with 500 (it is the deliberate bug the grader uses to "
            f"see how your server handles an unexpected error: keep it failing), got "
            f"{brief(resp)}"
        )
    shop.check_problem(resp, 500)
