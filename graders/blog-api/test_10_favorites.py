"""Stage favorites: POST and DELETE /api/articles/:slug/favorite, and ?favorited=."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


@pytest.fixture
def post(blog, alice):
    """A fresh article by alice, for one test."""
    return blog.create_article(alice, title=blog.title("Favorite Article"))


def _article(blog, resp, what):
    expect_status(resp, 200)
    return blog.check_article(expect_field(expect_json(resp), "article", dict), what=what)


def _state(article):
    return {"favorited": article["favorited"], "favoritesCount": article["favoritesCount"]}


@pytest.mark.stage("favorites")
def test_favorite_and_unfavorite(api, blog, alice, bob, post):
    path = f"/api/articles/{post['slug']}"
    article = _article(blog, api.post(f"{path}/favorite", token=bob.token), "the favorite answer")
    expect_equal(_state(article), {"favorited": True, "favoritesCount": 1}, "the favorite answer")
    expect_equal(article["author"]["username"], alice.username, "article.author.username")
    article = _article(blog, api.get(path, token=bob.token), "a later GET")
    expect_equal(_state(article), {"favorited": True, "favoritesCount": 1}, "a later GET by bob")

    article = _article(
        blog, api.delete(f"{path}/favorite", token=bob.token), "the unfavorite answer"
    )
    expect_equal(
        _state(article), {"favorited": False, "favoritesCount": 0}, "the unfavorite answer"
    )
    article = _article(blog, api.get(path, token=bob.token), "a later GET")
    expect_equal(
        _state(article), {"favorited": False, "favoritesCount": 0}, "a GET after unfavorite"
    )


@pytest.mark.stage("favorites")
def test_favorited_is_per_reader(api, blog, alice, bob, carol, post):
    path = f"/api/articles/{post['slug']}"
    blog.favorite(bob, post["slug"])
    readers = (
        ("bob (favorited it)", bob.token, True),
        ("alice (the author)", alice.token, False),
        ("carol (signed in, did not favorite)", carol.token, False),
        ("an anonymous reader", None, False),
    )
    for who, token, favorited in readers:
        state = _state(_article(blog, api.get(path, token=token), f"GET as {who}"))
        expect_equal(
            state,
            {"favorited": favorited, "favoritesCount": 1},
            f"the article (favorited by bob only) as {who} sees it",
        )
        resp = api.get(f"/api/articles?author={alice.username}", token=token)
        expect_status(resp, 200)
        listed = [a for a in blog.check_list(expect_json(resp)) if a["slug"] == post["slug"]]
        expect(
            len(listed) == 1,
            f"expected {post['slug']!r} (alice's newest) once on the first page of "
            f"?author={alice.username}, "
            f"got it {len(listed)} times",
        )
        expect_equal(
            _state(listed[0]),
            {"favorited": favorited, "favoritesCount": 1},
            f"the list item (favorited by bob only) as {who} sees it",
        )


@pytest.mark.stage("favorites")
def test_count_adds_up_and_favoriting_twice_counts_once(api, blog, alice, bob, post):
    path = f"/api/articles/{post['slug']}/favorite"
    blog.favorite(bob, post["slug"])
    again = api.post(path, token=bob.token)
    # The contract allows 422 for favoriting twice (OpenAPI lists it), or a plain 200; what it
    # never allows is a 5xx, or a second favorite that counts.
    if again.status_code == 422:
        expect_field(expect_json(again), "errors", dict)
        again = api.get(f"/api/articles/{post['slug']}", token=bob.token)
    article = _article(blog, again, "a second favorite by bob")
    expect_equal(article["favoritesCount"], 1, "favoritesCount after bob favorites twice")
    article = _article(blog, api.post(path, token=alice.token), "a favorite by alice")
    expect_equal(
        _state(article), {"favorited": True, "favoritesCount": 2}, "after alice favorites too"
    )
    article = _article(blog, api.delete(path, token=bob.token), "bob's unfavorite")
    expect_equal(
        _state(article), {"favorited": False, "favoritesCount": 1}, "after bob unfavorites"
    )


@pytest.mark.stage("favorites")
@pytest.mark.parametrize("auth", [False, True], ids=["anonymous", "authenticated"])
def test_filter_by_favorited(api, blog, bob, post, auth):
    blog.favorite(bob, post["slug"])
    resp = api.get(f"/api/articles?favorited={bob.username}", token=bob.token if auth else None)
    expect_status(resp, 200)
    body = expect_json(resp)
    articles = blog.check_list(body)
    expect(body["articlesCount"] >= 1, f"expected articlesCount >= 1, got {body['articlesCount']}")
    slugs = [a["slug"] for a in articles]
    expect(
        post["slug"] in slugs,
        f"expected {post['slug']!r} in ?favorited={bob.username}, got {slugs}",
    )
    for article in articles:
        expect(
            article["favoritesCount"] >= 1, f"expected favoritesCount >= 1 for {article['slug']!r}"
        )
    api.delete(f"/api/articles/{post['slug']}/favorite", token=bob.token)
    resp = api.get(f"/api/articles?favorited={bob.username}")
    expect_status(resp, 200)
    slugs = [a["slug"] for a in blog.check_list(expect_json(resp))]
    expect(
        post["slug"] not in slugs,
        f"expected {post['slug']!r} gone from ?favorited= after unfavorite",
    )


def _favorites_of(api, blog, username, query=""):
    resp = api.get(f"/api/articles?favorited={username}{query}")
    expect_status(resp, 200)
    body = expect_json(resp)
    return [a["title"] for a in blog.check_list(body)], body["articlesCount"]


@pytest.mark.stage("favorites")
def test_filter_by_favorited_names_one_user(api, blog, alice):
    first, second = blog.register("fan"), blog.register("critic")
    x, y, z = (blog.create_article(alice, title=blog.title(n)) for n in ("Xray", "Yankee", "Zulu"))
    for user, article in ((first, x), (second, y), (first, z), (second, z)):
        blog.favorite(user, article["slug"])
    for user, titles in ((first, [z, x]), (second, [z, y])):
        expected = [a["title"] for a in titles]
        expect_equal(
            _favorites_of(api, blog, user.username),
            (expected, 2),
            f"titles and articlesCount for ?favorited={user.username} (only the articles "
            f"{user.username} favorited, newest first)",
        )
    expect_equal(
        _favorites_of(api, blog, first.username, "&limit=1"),
        ([z["title"]], 2),
        f"titles and articlesCount for ?favorited={first.username}&limit=1",
    )
    z_state = _state(_article(blog, api.get(f"/api/articles/{z['slug']}"), "GET"))
    expect_equal(z_state["favoritesCount"], 2, "favoritesCount of an article two users favorited")


@pytest.mark.stage("favorites")
def test_filter_by_favorited_matching_nothing(api, blog, carol, uid):
    for name, why in (
        (f"unknown-user-{uid}", "nobody has that name"),
        (carol.username, "carol favorited nothing"),
    ):
        expect_equal(
            _favorites_of(api, blog, name),
            ([], 0),
            f"titles and articlesCount for ?favorited={name} ({why})",
        )


@pytest.mark.stage("favorites")
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_favorite_without_token_is_401(api, blog, method):
    path = "/api/articles/some-slug/favorite"
    resp = api.post(path) if method == "POST" else api.delete(path)
    blog.check_error(resp, 401, "token", "is missing", f"{method} {path} without a token")


@pytest.mark.stage("favorites")
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_favorite_unknown_article_is_404(api, blog, alice, uid, method):
    path = f"/api/articles/unknown-slug-{uid}/favorite"
    resp = (
        api.post(path, token=alice.token)
        if method == "POST"
        else api.delete(path, token=alice.token)
    )
    blog.check_error(resp, 404, "article", "not found", f"{method} {path}")
