"""Stage manage-article: GET, PUT and DELETE /api/articles/:slug."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


@pytest.fixture
def story(blog, alice, uid):
    """A fresh article by alice with two tags, for one test."""
    return blog.create_article(
        alice,
        title=blog.title("Story"),
        description="Test description",
        body="Test body content",
        tags=[f"d_{uid}", f"t_{uid}"],
    )


def _get(api, blog, slug, token=None, what="article"):
    resp = api.get(f"/api/articles/{slug}", token=token)
    expect_status(resp, 200)
    return blog.check_article(expect_field(expect_json(resp), "article", dict), what=what)


@pytest.mark.stage("manage-article")
def test_get_article_by_slug(api, blog, alice, story):
    article = _get(api, blog, story["slug"])
    for name in ("slug", "title", "description", "body", "createdAt"):
        expect_equal(article[name], story[name], f"article.{name} from GET")
    expect_equal(sorted(article["tagList"]), sorted(story["tagList"]), "article.tagList from GET")
    expect_equal(article["favorited"], False, "article.favorited for an anonymous reader")
    expect_equal(article["favoritesCount"], 0, "article.favoritesCount of a new article")
    expect_equal(article["author"]["username"], alice.username, "article.author.username")


@pytest.mark.stage("manage-article")
def test_unknown_slug_is_404(api, blog, uid):
    resp = api.get(f"/api/articles/unknown-slug-{uid}")
    blog.check_error(resp, 404, "article", "not found", "GET of an unknown slug")


@pytest.mark.stage("manage-article")
def test_update_body_keeps_the_rest(api, blog, alice, story):
    slug = story["slug"]
    resp = api.put(
        f"/api/articles/{slug}",
        json={"article": {"body": "Updated body content"}},
        token=alice.token,
    )
    expect_status(resp, 200)
    for source, article in (
        ("the PUT answer", blog.check_article(expect_field(expect_json(resp), "article", dict))),
        ("a later GET", _get(api, blog, slug)),
    ):
        expect_equal(article["body"], "Updated body content", f"article.body in {source}")
        for name in ("slug", "title", "description", "createdAt"):
            expect_equal(article[name], story[name], f"article.{name} (unchanged) in {source}")
        expect_equal(
            sorted(article["tagList"]),
            sorted(story["tagList"]),
            f"article.tagList in {source} (leaving out tagList keeps the tags)",
        )
        expect(
            article["updatedAt"] != story["updatedAt"],
            f"expected article.updatedAt in {source} to change on update, "
            f"got the old value {story['updatedAt']!r}",
        )
        expect_equal(article["author"]["username"], alice.username, "article.author.username")


@pytest.mark.stage("manage-article")
def test_empty_tag_list_removes_the_tags(api, blog, alice, story):
    slug = story["slug"]
    resp = api.put(f"/api/articles/{slug}", json={"article": {"tagList": []}}, token=alice.token)
    expect_status(resp, 200)
    tags = expect_field(expect_json(resp), "article.tagList", list)
    expect_equal(tags, [], "article.tagList after an update with tagList: []")
    expect_equal(_get(api, blog, slug)["tagList"], [], "article.tagList in a later GET")


@pytest.mark.stage("manage-article")
def test_null_tag_list_is_422(api, alice, story):
    resp = api.put(
        f"/api/articles/{story['slug']}", json={"article": {"tagList": None}}, token=alice.token
    )
    expect_status(resp, 422)


@pytest.mark.stage("manage-article")
def test_new_title_gives_a_new_slug(api, blog, alice, story):
    title = blog.title("Renamed Story")
    resp = api.put(
        f"/api/articles/{story['slug']}", json={"article": {"title": title}}, token=alice.token
    )
    expect_status(resp, 200)
    article = blog.check_article(expect_field(expect_json(resp), "article", dict))
    expect_equal(article["title"], title, "article.title after the update")
    expect(
        article["slug"] != story["slug"],
        f"expected the slug to follow the new title, got the old slug {story['slug']!r}",
    )
    expect_equal(_get(api, blog, article["slug"])["title"], title, "the title under the new slug")


@pytest.mark.stage("manage-article")
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_others_cannot_change_an_article(api, blog, bob, story, method):
    path = f"/api/articles/{story['slug']}"
    if method == "PUT":
        resp = api.put(path, json={"article": {"body": "hijacked"}}, token=bob.token)
    else:
        resp = api.delete(path, token=bob.token)
    blog.check_error(resp, 403, "article", "forbidden", f"{method} of someone else's article")
    expect_equal(
        _get(api, blog, story["slug"])["body"], story["body"], "the article body after a 403"
    )


@pytest.mark.stage("manage-article")
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_change_without_token_is_401(api, blog, story, method):
    path = f"/api/articles/{story['slug']}"
    resp = api.put(path, json={"article": {"body": "x"}}) if method == "PUT" else api.delete(path)
    blog.check_error(resp, 401, "token", "is missing", f"{method} {path} without a token")


@pytest.mark.stage("manage-article")
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_change_unknown_slug_is_404(api, blog, alice, uid, method):
    path = f"/api/articles/unknown-slug-{uid}"
    if method == "PUT":
        resp = api.put(path, json={"article": {"body": "test"}}, token=alice.token)
    else:
        resp = api.delete(path, token=alice.token)
    blog.check_error(resp, 404, "article", "not found", f"{method} of an unknown slug")


@pytest.mark.stage("manage-article")
def test_delete_answers_204(api, blog, alice, story):
    resp = api.delete(f"/api/articles/{story['slug']}", token=alice.token)
    expect_status(resp, 204)
    again = api.get(f"/api/articles/{story['slug']}")
    blog.check_error(again, 404, "article", "not found", "GET of a deleted article")
