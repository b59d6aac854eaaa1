"""Extension stage persistence: data survives a restart of the server."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


@pytest.fixture(scope="module")
def before(blog, server, alice, bob, uid):
    """Data written before one restart of the server: an article, a comment, a follow, a like."""
    tag = f"keep_{uid}"
    article = blog.create_article(
        alice, title=blog.title("Persistent"), body="Still here", tags=[tag]
    )
    comment = blog.comment(bob, article["slug"], "Still here too")
    blog.follow(bob, alice.username)
    blog.favorite(bob, article["slug"])
    server.restart()
    return {"slug": article["slug"], "tag": tag, "comment": comment["id"]}


@pytest.mark.stage("persistence")
def test_articles_survive_a_restart(api, blog, alice, bob, before):
    slug = before["slug"]
    resp = api.get(f"/api/articles/{slug}")
    expect(
        resp.status_code == 200,
        f"expected the article written before the restart at GET /api/articles/{slug}, got "
        f"{resp.status_code} (is the data only in memory, or in a new file at every start?)",
    )
    article = blog.check_article(expect_field(expect_json(resp), "article", dict))
    expect_equal(article["body"], "Still here", "the article body after a restart")
    expect_equal(article["tagList"], [before["tag"]], "the article's tags after a restart")
    resp = api.get(f"/api/articles/{slug}/comments")
    expect_status(resp, 200)
    ids = [c.get("id") for c in expect_field(expect_json(resp), "comments", list)]
    expect(
        before["comment"] in ids, f"expected comment {before['comment']} after a restart, got {ids}"
    )


@pytest.mark.stage("persistence")
def test_accounts_survive_a_restart(api, blog, alice, before):
    resp = api.get("/api/user", token=alice.token)
    expect(
        resp.status_code == 200,
        f"expected a token issued before a restart to still work (keep the JWT secret fixed, "
        f"e.g. in an environment variable), got {resp.status_code}",
    )
    blog.check_user(expect_json(resp), alice, what="GET /api/user after a restart")
    resp = api.post(
        "/api/users/login", json={"user": {"email": alice.email, "password": alice.password}}
    )
    expect_status(resp, 200)
    blog.check_user(expect_json(resp), alice, what="a login after a restart")


@pytest.mark.stage("persistence")
def test_follows_and_favorites_survive_a_restart(api, blog, alice, bob, before):
    resp = api.get(f"/api/articles/{before['slug']}", token=bob.token)
    expect_status(resp, 200)
    article = blog.check_article(expect_field(expect_json(resp), "article", dict))
    expect_equal(article["favorited"], True, "bob's favorite after a restart")
    expect_equal(article["favoritesCount"], 1, "favoritesCount after a restart")
    expect_equal(article["author"]["following"], True, "bob following alice after a restart")
    # Leave bob following nobody, as the other stages expect.
    api.delete(f"/api/profiles/{alice.username}/follow", token=bob.token)
