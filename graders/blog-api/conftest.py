"""Shared set-up for the Blog API (Conduit) graders.

Everything here is lazy and session-scoped: a user is registered the first time a test needs
it, then reused, because password hashing is slow by design. Names and e-mails carry the run's
``uid`` so grading works against a database that already holds data from earlier runs.

Set-up steps accept any 2xx answer: the exact status of, say, registration is graded by the
register stage, not by every stage that merely needs a user.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status

# RealWorld timestamps are ISO-8601; the official suite checks this prefix.
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")

# The fields of each object in the contract (a list item is an Article without ``body``).
USER_FIELDS = ("email", "token", "username", "bio", "image")
PROFILE_FIELDS = ("username", "bio", "image", "following")
ARTICLE_FIELDS = (
    "slug",
    "title",
    "description",
    "body",
    "tagList",
    "createdAt",
    "updatedAt",
    "favorited",
    "favoritesCount",
    "author",
)


@dataclass
class User:
    """A user registered for this grading run."""

    username: str
    email: str
    password: str
    token: str


def _brief(resp) -> str:
    """The status and the start of the body, for one-line set-up failure messages."""
    text = resp.text.replace("\n", " ")
    return f"{resp.status_code} {text[:160]!r}"


class Blog:
    """Set-up helpers: register users, write articles and comments, follow people."""

    def __init__(self, api, uid: str) -> None:
        self.api = api
        self.uid = uid
        self._serial = itertools.count(1)

    def name(self, role: str) -> str:
        """A username unique to this run, e.g. ``alice_k3f9a2``."""
        return f"{role}_{self.uid}"

    def password(self, role: str) -> str:
        """A password unique to this run (long enough for the 8-character minimum)."""
        return f"pw-{role}-{self.uid}-Secret"

    def title(self, what: str) -> str:
        """An article title unique to this run, e.g. ``Feed 3 k3f9a2``."""
        return f"{what} {next(self._serial)} {self.uid}"

    def register(self, role: str, password: str | None = None) -> User:
        username = self.name(role)
        email = f"{username}@example.com"
        password = password or self.password(role)
        resp = self.api.post(
            "/api/users",
            json={"user": {"username": username, "email": email, "password": password}},
        )
        expect(
            200 <= resp.status_code < 300,
            f"setup: registering {username} with POST /api/users should succeed (see the "
            f"register stage), got {_brief(resp)}",
        )
        token = expect_field(expect_json(resp), "user.token", str)
        return User(username=username, email=email, password=password, token=token)

    def create_article(
        self,
        user: User,
        *,
        title: str | None = None,
        description: str = "A short description",
        body: str = "The article body.",
        tags: list[str] | None = None,
    ) -> dict:
        """Create an article as ``user``; returns the ``article`` object of the answer."""
        article: dict = {
            "title": title or self.title("Article"),
            "description": description,
            "body": body,
        }
        if tags is not None:
            article["tagList"] = tags
        resp = self.api.post("/api/articles", json={"article": article}, token=user.token)
        expect(
            200 <= resp.status_code < 300,
            f"setup: creating an article with POST /api/articles should succeed (see the "
            f"create-article stage), got {_brief(resp)}",
        )
        return expect_field(expect_json(resp), "article", dict)

    def comment(self, user: User, slug: str, body: str) -> dict:
        resp = self.api.post(
            f"/api/articles/{slug}/comments", json={"comment": {"body": body}}, token=user.token
        )
        expect(
            200 <= resp.status_code < 300,
            f"setup: POST /api/articles/{slug}/comments should succeed (see the comments "
            f"stage), got {_brief(resp)}",
        )
        return expect_field(expect_json(resp), "comment", dict)

    def follow(self, user: User, username: str) -> None:
        resp = self.api.post(f"/api/profiles/{username}/follow", token=user.token)
        expect(
            200 <= resp.status_code < 300,
            f"setup: POST /api/profiles/{username}/follow should succeed (see the profiles "
            f"stage), got {_brief(resp)}",
        )

    def favorite(self, user: User, slug: str) -> None:
        resp = self.api.post(f"/api/articles/{slug}/favorite", token=user.token)
        expect(
            200 <= resp.status_code < 300,
            f"setup: POST /api/articles/{slug}/favorite should succeed (see the favorites "
            f"stage), got {_brief(resp)}",
        )

    # -- shape checks: every field of the contract's objects, as the official suite asserts

    def check_user(self, body, user: User | None = None, *, what: str = "user") -> dict:
        """``{"user": {email, token, username, bio, image}}``; returns the user object."""
        obj = expect_field(body, "user", dict)
        token = expect_field(body, "user.token", str)
        expect(token.strip() != "", f"expected {what}.token to be a non-empty string, got ''")
        for name in ("bio", "image"):
            expect(name in obj, f"expected {what}.{name} in the answer (null when unset), got none")
        expect("password" not in obj, f"expected no password in the {what} answer, got one")
        if user is not None:
            expect_equal(obj.get("username"), user.username, f"{what}.username")
            expect_equal(obj.get("email"), user.email, f"{what}.email")
        return obj

    def check_profile(self, profile, *, what: str = "profile") -> dict:
        """A Profile object: ``username, bio, image, following``."""
        expect(isinstance(profile, dict), f"expected {what} to be an object, got {profile!r}")
        expect_field(profile, "username", str)
        for name in ("bio", "image"):
            expect(name in profile, f"expected {what}.{name} in the answer (null when unset)")
        expect_field(profile, "following", bool)
        return profile

    def check_article(self, article, *, listed: bool = False, what: str = "article") -> dict:
        """An Article (with ``body``), or a list item (``listed``: everything but ``body``)."""
        expect(isinstance(article, dict), f"expected {what} to be an object, got {article!r}")
        slug = expect_field(article, "slug", str)
        expect(
            slug != "" and not any(c.isspace() or c in "/?#" for c in slug),
            f"expected {what}.slug to be usable in a URL path (no spaces, '/', '?', '#'), "
            f"got {slug!r}",
        )
        for name in ("title", "description"):
            expect_field(article, name, str)
        if listed:
            expect(
                "body" not in article,
                f"expected list items without 'body' (it can be long; GET the article for it), "
                f"got {what} with a body",
            )
        else:
            expect_field(article, "body", str)
        tags = expect_field(article, "tagList", list)
        expect(
            all(isinstance(tag, str) for tag in tags),
            f"expected {what}.tagList to hold strings, got {tags!r}",
        )
        for name in ("createdAt", "updatedAt"):
            stamp = expect_field(article, name, str)
            expect(
                TIMESTAMP.match(stamp) is not None,
                f"expected {what}.{name} to be an ISO-8601 timestamp like "
                f"2024-01-31T12:00:00.000Z, got {stamp!r}",
            )
        expect_field(article, "favorited", bool)
        count = expect_field(article, "favoritesCount", int)
        expect(count >= 0, f"expected {what}.favoritesCount to be >= 0, got {count}")
        self.check_profile(expect_field(article, "author", dict), what=f"{what}.author")
        return article

    def check_list(self, body, *, what: str = "the list") -> list[dict]:
        """``{"articles": [...], "articlesCount": n}`` with list items; returns the items."""
        articles = expect_field(body, "articles", list)
        count = expect_field(body, "articlesCount", int)
        expect(
            count >= len(articles),
            f"expected articlesCount ({count}) to be the total number of matches, at least "
            f"the {len(articles)} articles on this page",
        )
        for i, article in enumerate(articles):
            self.check_article(article, listed=True, what=f"articles[{i}]")
        return articles

    def check_comment(self, comment, *, what: str = "comment") -> dict:
        """A Comment: ``id`` (integer), ``createdAt``, ``updatedAt``, ``body``, ``author``."""
        expect(isinstance(comment, dict), f"expected {what} to be an object, got {comment!r}")
        expect_field(comment, "id", int)
        expect_field(comment, "body", str)
        for name in ("createdAt", "updatedAt"):
            stamp = expect_field(comment, name, str)
            expect(
                TIMESTAMP.match(stamp) is not None,
                f"expected {what}.{name} to be an ISO-8601 timestamp, got {stamp!r}",
            )
        self.check_profile(expect_field(comment, "author", dict), what=f"{what}.author")
        return comment

    def check_error(self, resp, status: int, key: str, message: str, what: str) -> None:
        """A RealWorld error: ``status`` and ``{"errors": {key: [message, ...]}}``."""
        expect_status(resp, status)
        messages = expect_field(expect_json(resp), f"errors.{key}", list)
        expect_equal(messages[:1], [message], f"errors.{key} of {what}")


@pytest.fixture(scope="session")
def blog(api, uid) -> Blog:
    """Set-up helpers bound to this run's client and uid."""
    return Blog(api, uid)


@pytest.fixture(scope="session")
def alice(blog) -> User:
    """A user who writes articles in many stages."""
    return blog.register("alice")


@pytest.fixture(scope="session")
def bob(blog) -> User:
    """A second user: a reader, follower and (forbidden) editor of alice's articles."""
    return blog.register("bob")
