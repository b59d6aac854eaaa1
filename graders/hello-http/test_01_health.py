"""Stage health: GET /health answers 200 with the JSON object {"status": "ok"}."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


def _media_type(resp) -> str:
    return resp.headers.get("content-type", "").split(";")[0].strip().lower()


@pytest.mark.stage("health")
def test_health_answers_ok_in_json(api):
    """GET /health answers 200, Content-Type application/json, body {"status": "ok"}."""
    resp = api.get("/health")
    expect_status(resp, 200)
    expect(
        _media_type(resp) == "application/json",
        f"expected Content-Type: application/json on GET /health (the header tells the client "
        f"how to read the body), got {resp.headers.get('content-type')!r}",
    )
    body = expect_json(resp)
    expect(isinstance(body, dict), f"expected a JSON object from GET /health, got {body!r}")
    expect_equal(expect_field(body, "status"), "ok", "status in the answer to GET /health")
