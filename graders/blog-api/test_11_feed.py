"""Stage feed: GET /api/articles/feed."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_json, expect_status


@pytest.fixture(scope="module")
def reader(blog):
    """A user of this stage alone, so their feed starts empty."""
    return blog.register("reader")


@pytest.fixture(scope="module")
def celeb(blog):
    """An author of this stage alone, so the feed holds exactly their articles."""
    return blog.register("celeb")


def _feed(api, blog, user, query=""):
    resp = api.get(f"/api/articles/feed{query}", token=user.token)
    expect_status(resp, 200)
    body = expect_json(resp)
    return blog.check_list(body, what="the feed"), body["articlesCount"]


@pytest.mark.stage("feed")
def test_feed_without_token_is_401(api, blog):
    resp = api.get("/api/articles/feed")
    blog.check_error(resp, 401, "token", "is missing", "GET /api/articles/feed without a token")


@pytest.mark.stage("feed")
def test_feed_shows_followed_authors_only(api, blog, alice, reader, celeb):
    articles, count = _feed(api, blog, reader)
    expect_equal((count, articles), (0, []), "articlesCount and articles of a new user's feed")

    blog.follow(reader, celeb.username)
    first = blog.create_article(celeb, title=blog.title("Feed Article"))
    blog.create_article(alice, title=blog.title("Not Followed"))
    second = blog.create_article(celeb, title=blog.title("Feed Article"))

    articles, count = _feed(api, blog, reader)
    expect_equal(count, 2, "articlesCount of the feed (2 articles by the one followed author)")
    slugs = [a["slug"] for a in articles]
    expect_equal(slugs, [second["slug"], first["slug"]], "the feed's slugs, newest first")
    for article in articles:
        expect_equal(article["author"]["username"], celeb.username, "the feed's author.username")
        expect(
            article["author"]["following"] is True,
            f"expected author.following true in the feed, got {article['author']['following']!r}",
        )

    articles, count = _feed(api, blog, reader, "?limit=1")
    expect_equal((count, [a["slug"] for a in articles]), (2, [second["slug"]]), "feed?limit=1")
    articles, count = _feed(api, blog, reader, "?limit=1&offset=1")
    expect_equal(
        (count, [a["slug"] for a in articles]), (2, [first["slug"]]), "feed?limit=1&offset=1"
    )

    resp = api.delete(f"/api/profiles/{celeb.username}/follow", token=reader.token)
    expect_status(resp, 200)
    articles, count = _feed(api, blog, reader)
    expect_equal(
        (count, articles), (0, []), "articlesCount and articles of the feed after unfollow"
    )
