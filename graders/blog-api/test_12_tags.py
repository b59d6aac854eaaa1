"""Stage tags: GET /api/tags lists the tags in use (the contract fixes no order)."""

import pytest

from learnpath.grading.checks import expect, expect_field, expect_json, expect_status


@pytest.mark.stage("tags")
def test_tags_lists_the_tags_of_articles(api, blog, alice, bob, uid):
    made = [f"h_{uid}", f"t2_{uid}", f"b3_{uid}"]
    blog.create_article(alice, title=blog.title("Tag Article"), tags=made[:2])
    blog.create_article(alice, title=blog.title("Tag Article"), tags=[made[0]])
    blog.create_article(bob, title=blog.title("Tag Article"), tags=[made[0], made[2]])
    resp = api.get("/api/tags")
    expect_status(resp, 200)
    tags = expect_field(expect_json(resp), "tags", list)
    expect(
        all(isinstance(tag, str) for tag in tags), f"expected tags to be strings, got {tags[:5]}"
    )
    for tag in made:
        expect(tag in tags, f"expected {tag!r} in GET /api/tags after using it, got {tags[:10]}...")
    expect(
        tags.count(made[0]) == 1,
        f"expected each tag once in GET /api/tags, got {made[0]!r} {tags.count(made[0])} times "
        f"(three articles by two authors use it)",
    )
