"""Stage health: the server answers JSON under /api."""

import pytest

from learnpath.grading.checks import expect, expect_field, expect_json, expect_status


def _is_json(resp) -> bool:
    return resp.headers.get("content-type", "").split(";")[0].strip() == "application/json"


@pytest.mark.stage("health")
def test_tags_answers_a_json_list(api):
    resp = api.get("/api/tags")
    expect_status(resp, 200)
    expect(
        _is_json(resp),
        f"expected Content-Type application/json from GET /api/tags, "
        f"got {resp.headers.get('content-type')!r}",
    )
    tags = expect_field(expect_json(resp), "tags", list)
    expect(
        all(isinstance(tag, str) for tag in tags),
        f"expected tags to be a list of strings, got {tags!r}",
    )
