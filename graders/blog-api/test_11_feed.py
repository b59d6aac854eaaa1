"""Stage feed: GET /api/articles/feed, and author.following as each reader sees it."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


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


def _titles(articles):
    return [a["title"] for a in articles]


@pytest.mark.stage("feed")
def test_feed_without_token_is_401(api, blog):
    resp = api.get("/api/articles/feed")
    blog.check_error(resp, 401, "token", "is missing", "GET /api/articles/feed without a token")


@pytest.mark.stage("feed")
def test_feed_shows_followed_authors_only(api, blog, alice, reader, celeb):
    articles, count = _feed(api, blog, reader)
    expect_equal((count, articles), (0, []), "articlesCount and articles of a new user's feed")

    blog.follow(reader, celeb.username)
    # Titles sort neither like creation order nor its reverse, and the oldest is then updated:
    # only "newest created first" gives Alpha, Charlie, Bravo.
    bravo = blog.create_article(celeb, title=blog.title("Bravo"))
    blog.create_article(alice, title=blog.title("Not Followed"))
    charlie = blog.create_article(celeb, title=blog.title("Charlie"))
    blog.create_article(reader, title=blog.title("Own Article"))
    alpha = blog.create_article(celeb, title=blog.title("Alpha"))
    blog.update_article(celeb, bravo["slug"], body="Edited later")
    newest_first = _titles([alpha, charlie, bravo])

    articles, count = _feed(api, blog, reader)
    expect_equal(
        count,
        3,
        "articlesCount of the feed (3 articles by the one followed author; not the "
        "reader's own, not those of an author they do not follow)",
    )
    expect_equal(
        _titles(articles),
        newest_first,
        "the feed's titles, newest created first (Bravo was created first and edited last)",
    )
    for article in articles:
        expect_equal(article["author"]["username"], celeb.username, "the feed's author.username")
        expect(
            article["author"]["following"] is True,
            f"expected author.following true in the feed, got {article['author']['following']!r}",
        )

    articles, count = _feed(api, blog, reader, "?limit=1")
    expect_equal((count, _titles(articles)), (3, newest_first[:1]), "feed?limit=1")
    articles, count = _feed(api, blog, reader, "?limit=1&offset=1")
    expect_equal((count, _titles(articles)), (3, newest_first[1:2]), "feed?limit=1&offset=1")
    articles, count = _feed(api, blog, reader, "?limit=2&offset=2")
    expect_equal((count, _titles(articles)), (3, newest_first[2:]), "feed?limit=2&offset=2")

    resp = api.delete(f"/api/profiles/{celeb.username}/follow", token=reader.token)
    expect_status(resp, 200)
    articles, count = _feed(api, blog, reader)
    expect_equal(
        (count, articles), (0, []), "articlesCount and articles of the feed after unfollow"
    )


@pytest.mark.stage("feed")
def test_author_following_is_per_reader(api, blog, carol):
    fan = blog.register("watcher")
    poet = blog.register("poet")
    blog.follow(fan, poet.username)
    slug = blog.create_article(poet, title=blog.title("Poem"))["slug"]
    readers = (
        ("watcher (follows the author)", fan.token, True),
        ("carol (signed in, does not follow)", carol.token, False),
        ("an anonymous reader", None, False),
    )
    for who, token, following in readers:
        resp = api.get(f"/api/articles/{slug}", token=token)
        expect_status(resp, 200)
        flag = expect_field(expect_json(resp), "article.author.following", bool)
        expect_equal(
            flag, following, f"article.author.following in GET /api/articles/:slug as {who}"
        )
        resp = api.get(f"/api/articles?author={poet.username}", token=token)
        expect_status(resp, 200)
        articles = blog.check_list(expect_json(resp))
        expect_equal(len(articles), 1, f"the number of articles for ?author={poet.username}")
        expect_equal(
            articles[0]["author"]["following"],
            following,
            f"articles[0].author.following in GET /api/articles?author= as {who}",
        )
