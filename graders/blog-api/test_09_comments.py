"""Stage comments: POST, GET and DELETE /api/articles/:slug/comments."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


@pytest.fixture
def post(blog, alice):
    """A fresh article by alice, for one test."""
    return blog.create_article(alice, title=blog.title("Comment Article"))


def _comments(api, blog, slug, token=None):
    resp = api.get(f"/api/articles/{slug}/comments", token=token)
    expect_status(resp, 200)
    comments = expect_field(expect_json(resp), "comments", list)
    for i, comment in enumerate(comments):
        blog.check_comment(comment, what=f"comments[{i}]")
    return comments


@pytest.mark.stage("comments")
def test_add_comment_answers_201(api, blog, alice, post):
    resp = api.post(
        f"/api/articles/{post['slug']}/comments",
        json={"comment": {"body": "Test comment body"}},
        token=alice.token,
    )
    expect_status(resp, 201)
    comment = blog.check_comment(expect_field(expect_json(resp), "comment", dict))
    expect_equal(comment["body"], "Test comment body", "comment.body")
    expect_equal(comment["author"]["username"], alice.username, "comment.author.username")


@pytest.mark.stage("comments")
@pytest.mark.parametrize("auth", [True, False], ids=["authenticated", "anonymous"])
def test_list_comments(api, blog, alice, post, auth):
    made = blog.comment(alice, post["slug"], "Test comment body")
    comments = _comments(api, blog, post["slug"], token=alice.token if auth else None)
    expect_equal(len(comments), 1, "the number of comments on an article with one comment")
    expect_equal(comments[0]["id"], made["id"], "comments[0].id (the id the POST answered)")
    expect_equal(comments[0]["body"], "Test comment body", "comments[0].body")
    expect_equal(comments[0]["author"]["username"], alice.username, "comments[0].author.username")


@pytest.mark.stage("comments")
def test_delete_comment_answers_204(api, blog, alice, post):
    made = blog.comment(alice, post["slug"], "Soon gone")
    resp = api.delete(f"/api/articles/{post['slug']}/comments/{made['id']}", token=alice.token)
    expect_status(resp, 204)
    expect_equal(_comments(api, blog, post["slug"]), [], "the comments after deleting the only one")


@pytest.mark.stage("comments")
def test_delete_removes_only_that_comment(api, blog, alice, post):
    first = blog.comment(alice, post["slug"], "First comment")
    blog.comment(alice, post["slug"], "Second comment")
    expect_equal(len(_comments(api, blog, post["slug"])), 2, "the number of comments after two")
    resp = api.delete(f"/api/articles/{post['slug']}/comments/{first['id']}", token=alice.token)
    expect_status(resp, 204)
    left = [c["body"] for c in _comments(api, blog, post["slug"])]
    expect_equal(left, ["Second comment"], "the comments left after deleting the first")


@pytest.mark.stage("comments")
def test_others_cannot_delete_a_comment(api, blog, alice, bob, post):
    made = blog.comment(alice, post["slug"], "A's comment")
    resp = api.delete(f"/api/articles/{post['slug']}/comments/{made['id']}", token=bob.token)
    blog.check_error(resp, 403, "comment", "forbidden", "DELETE of someone else's comment")
    bodies = [c["body"] for c in _comments(api, blog, post["slug"])]
    expect_equal(bodies, ["A's comment"], "the comments after a forbidden delete")


@pytest.mark.stage("comments")
def test_anyone_signed_in_can_comment(api, blog, bob, post):
    made = blog.comment(bob, post["slug"], "Nice post")
    expect_equal(made["author"]["username"], bob.username, "comment.author.username")
    expect(made["author"]["following"] is False, "expected comment.author.following false (self)")


@pytest.mark.stage("comments")
def test_author_following_is_per_reader(api, blog, bob, carol, post):
    scribe = blog.register("scribe")
    blog.follow(bob, scribe.username)
    blog.comment(scribe, post["slug"], "Followed by bob")
    for who, token, following in (
        ("bob (follows the commenter)", bob.token, True),
        ("carol (signed in, does not follow)", carol.token, False),
        ("an anonymous reader", None, False),
    ):
        comments = _comments(api, blog, post["slug"], token=token)
        expect_equal(len(comments), 1, "the number of comments on an article with one comment")
        expect_equal(
            comments[0]["author"]["following"],
            following,
            f"comments[0].author.following as {who}",
        )


@pytest.mark.stage("comments")
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_comment_without_token_is_401(api, blog, method):
    if method == "POST":
        resp = api.post("/api/articles/some-slug/comments", json={"comment": {"body": "test"}})
    else:
        resp = api.delete("/api/articles/some-slug/comments/1")
    blog.check_error(resp, 401, "token", "is missing", f"{method} of a comment without a token")


@pytest.mark.stage("comments")
def test_blank_comment_is_422(api, blog, alice, post):
    resp = api.post(
        f"/api/articles/{post['slug']}/comments", json={"comment": {"body": ""}}, token=alice.token
    )
    blog.check_error(resp, 422, "body", "can't be blank", "a comment with a blank body")


@pytest.mark.stage("comments")
def test_comments_of_unknown_article_are_404(api, blog, alice, uid):
    path = f"/api/articles/unknown-slug-{uid}/comments"
    resp = api.post(path, json={"comment": {"body": "orphan"}}, token=alice.token)
    blog.check_error(resp, 404, "article", "not found", f"POST {path}")
    blog.check_error(api.get(path), 404, "article", "not found", f"GET {path}")
    resp = api.delete(f"{path}/99999", token=alice.token)
    blog.check_error(resp, 404, "article", "not found", f"DELETE {path}/99999")


@pytest.mark.stage("comments")
def test_delete_unknown_comment_is_404(api, blog, alice, post):
    resp = api.delete(f"/api/articles/{post['slug']}/comments/99999999", token=alice.token)
    blog.check_error(resp, 404, "comment", "not found", "DELETE of an unknown comment id")
