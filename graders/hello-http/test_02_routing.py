"""Stage routing: 404 for a path the server does not have, 405 with Allow for a method it does
not answer on a path it has, and a query string that does not change the route."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json


@pytest.mark.stage("routing")
def test_unknown_paths_answer_404(api, uid):
    """Paths the server does not have answer 404, also ones that start like /health."""
    for method, path in (
        ("GET", f"/nothing-here-{uid}"),
        ("GET", f"/health/{uid}"),
        ("GET", f"/health-{uid}"),
        ("GET", f"/{uid}/health"),
        ("POST", f"/nothing-here-{uid}"),
        ("DELETE", f"/health/{uid}"),
    ):
        resp = api.request(method, path)
        expect(
            resp.status_code == 404,
            f"expected 404 Not Found for {method} {path} (the server has no such path; only "
            f"/health exists so far), got {resp.status_code}: {resp.text[:80]!r}",
        )


@pytest.mark.stage("routing")
def test_a_query_string_does_not_change_the_route(api, uid):
    """GET /health?verbose=1 is still /health: the route is the path before '?'."""
    for path in (f"/health?verbose=1&probe={uid}", "/health?"):
        resp = api.get(path)
        expect(
            resp.status_code == 200,
            f"expected 200 for GET {path}: the query string after '?' is not part of the path "
            f"(route on the path alone), got {resp.status_code}: {resp.text[:80]!r}",
        )
        expect_equal(expect_field(expect_json(resp), "status"), "ok", f"status of GET {path}")


@pytest.mark.stage("routing")
@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT", "PATCH"])
def test_a_wrong_method_answers_405_with_allow(routes, method):
    """A method /health does not answer is 405 with an Allow header that lists GET."""
    routes.expect_405(method, "/health", lists=("GET",))


@pytest.mark.stage("routing")
def test_allow_lists_only_methods_that_work(routes):
    """Every method the Allow header of /health lists is answered there, not refused."""
    routes.expect_allow_is_true(routes.expect_405("DELETE", "/health", lists=("GET",)))
