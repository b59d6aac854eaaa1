"""Stage robustness (extension): odd requests get a JSON 4xx, never a crash or an HTML page.

The RealWorld contract says nothing about unknown routes or malformed input; this stage asks
for what a well-behaved API does anyway.
"""

import pytest

from learnpath.grading.checks import expect, expect_json


def _is_json(resp) -> bool:
    return resp.headers.get("content-type", "").split(";")[0].strip() == "application/json"


def _expect_json_error(resp, what: str, statuses=range(400, 500)) -> None:
    """A status in ``statuses`` with a JSON object body, e.g. ``{"errors": {...}}``."""
    shown = "4xx" if statuses == range(400, 500) else " or ".join(map(str, statuses))
    expect(
        resp.status_code in statuses,
        f"expected {shown} for {what}, got {resp.status_code}: {resp.text[:120]!r}",
    )
    expect(
        _is_json(resp),
        f"expected a JSON answer (Content-Type application/json) for {what}, "
        f"got {resp.headers.get('content-type')!r}: {resp.text[:80]!r}",
    )
    body = expect_json(resp)
    expect(isinstance(body, dict), f"expected a JSON object in the answer to {what}, got {body!r}")


@pytest.mark.stage("robustness")
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_unknown_route_is_a_json_404(api, uid, method):
    for path in (f"/api/no-such-route-{uid}", f"/api/profiles/someone/no-such-{uid}"):
        resp = api.request(method, path)
        _expect_json_error(resp, f"{method} of the unknown route {path}", statuses=(404,))


@pytest.mark.stage("robustness")
def test_malformed_json_is_a_json_4xx(api, alice):
    broken = '{"user": {"email": "a@b.c", '
    headers = {"Content-Type": "application/json"}
    for method, path, token in (
        ("POST", "/api/users", None),
        ("POST", "/api/users/login", None),
        ("PUT", "/api/user", alice.token),
        ("POST", "/api/articles", alice.token),
    ):
        resp = api.request(method, path, content=broken, headers=headers, token=token)
        _expect_json_error(resp, f"{method} {path} with a malformed JSON body {broken!r}")


@pytest.mark.stage("robustness")
def test_wrong_types_are_a_json_4xx(api, blog, alice):
    article = {"title": blog.title("Typed"), "description": "d", "body": "b"}
    for method, path, body, token in (
        ("POST", "/api/users", {"user": []}, None),
        ("POST", "/api/users", [], None),
        ("POST", "/api/users/login", {"user": "alice"}, None),
        ("POST", "/api/articles", {"article": {**article, "tagList": "x"}}, alice.token),
        ("POST", "/api/articles", {"article": {**article, "tagList": [1, 2]}}, alice.token),
        ("POST", "/api/articles", {"article": "x"}, alice.token),
    ):
        resp = api.request(method, path, json=body, token=token)
        _expect_json_error(resp, f"{method} {path} with the body {body!r}")


@pytest.mark.stage("robustness")
@pytest.mark.parametrize("value", ["limit=-1", "limit=0", "limit=abc", "offset=-5", "offset=x"])
def test_bad_paging_is_a_json_4xx(api, alice, value):
    for path, token in (("/api/articles", None), ("/api/articles/feed", alice.token)):
        resp = api.get(f"{path}?{value}", token=token)
        _expect_json_error(resp, f"GET {path}?{value}")


@pytest.mark.stage("robustness")
@pytest.mark.parametrize("value", ["limit=100000000000000000000", "offset=100000000000000000000"])
def test_huge_paging_is_not_a_crash(api, value):
    resp = api.get(f"/api/articles?{value}")
    expect(
        resp.status_code < 500,
        f"expected 200 or a 4xx for GET /api/articles?{value} (a number beyond 64 bits), "
        f"got {resp.status_code}: {resp.text[:120]!r}",
    )
    expect(_is_json(resp), f"expected a JSON answer, got {resp.headers.get('content-type')!r}")
    expect(isinstance(expect_json(resp), dict), "expected a JSON object")
