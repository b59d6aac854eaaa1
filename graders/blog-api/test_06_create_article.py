"""Stage create-article: POST /api/articles."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


@pytest.mark.stage("create-article")
def test_create_article_answers_201(api, blog, alice, uid):
    title = blog.title("Test Article")
    tags = [f"d_{uid}", f"t_{uid}"]
    new = {"title": title, "description": "Test description", "body": "Test body content"}
    resp = api.post("/api/articles", json={"article": {**new, "tagList": tags}}, token=alice.token)
    expect_status(resp, 201)
    article = blog.check_article(expect_field(expect_json(resp), "article", dict))
    for name, value in new.items():
        expect_equal(article[name], value, f"article.{name}")
    expect_equal(article["tagList"], tags, "article.tagList (the tags sent, in that order)")
    expect_equal(article["favorited"], False, "article.favorited of a new article")
    expect_equal(article["favoritesCount"], 0, "article.favoritesCount of a new article")
    expect_equal(article["author"]["username"], alice.username, "article.author.username")
    expect_equal(article["author"]["following"], False, "article.author.following (yourself)")


@pytest.mark.stage("create-article")
def test_create_article_without_tags(api, blog, alice):
    new = {"title": blog.title("No Tags"), "description": "d", "body": "b"}
    resp = api.post("/api/articles", json={"article": new}, token=alice.token)
    expect_status(resp, 201)
    article = blog.check_article(expect_field(expect_json(resp), "article", dict))
    expect_equal(article["tagList"], [], "article.tagList when no tagList was sent")


@pytest.mark.stage("create-article")
def test_duplicate_titles_get_distinct_slugs(api, blog, alice):
    title = blog.title("Dup Title")
    slugs = []
    for n in ("first", "second"):
        new = {"title": title, "description": n, "body": n}
        resp = api.post("/api/articles", json={"article": new}, token=alice.token)
        expect_status(resp, 201)
        slugs.append(expect_field(expect_json(resp), "article.slug", str))
    expect(
        slugs[0] != slugs[1],
        f"expected two articles with the same title to get different slugs, got {slugs[0]!r} twice",
    )


@pytest.mark.stage("create-article")
def test_create_article_without_token_is_401(api, blog):
    new = {"title": "No Auth Article", "description": "test", "body": "test"}
    resp = api.post("/api/articles", json={"article": new})
    blog.check_error(resp, 401, "token", "is missing", "POST /api/articles without a token")


@pytest.mark.stage("create-article")
@pytest.mark.parametrize("field", ["title", "description", "body"])
def test_blank_field_is_422(api, blog, alice, field):
    new = {"title": blog.title("Blank"), "description": "test", "body": "test", field: ""}
    resp = api.post("/api/articles", json={"article": new}, token=alice.token)
    blog.check_error(resp, 422, field, "can't be blank", f"an article with a blank {field}")
