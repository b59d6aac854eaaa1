"""Shared set-up for the Blog API (Conduit) graders.

Everything here is lazy and session-scoped: a user is registered the first time a test needs
it, then reused, because password hashing is slow by design. Names and e-mails carry the run's
``uid`` so grading works against a database that already holds data from earlier runs.

Set-up steps accept any 2xx answer: the exact status of, say, registration is graded by the
register stage, not by every stage that merely needs a user.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from datetime import datetime

import jwt
import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status

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

    def update_article(self, user: User, slug: str, **fields: object) -> dict:
        """Update ``slug`` as ``user`` (e.g. ``body="..."``); the ``article`` of the answer."""
        resp = self.api.put(f"/api/articles/{slug}", json={"article": fields}, token=user.token)
        expect(
            200 <= resp.status_code < 300,
            f"setup: PUT /api/articles/{slug} should succeed (see the manage-article stage), "
            f"got {_brief(resp)}",
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
        check_timestamps(article, what)
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
        check_timestamps(comment, what)
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


@pytest.fixture(scope="session")
def carol(blog) -> User:
    """A third signed-in reader who never writes, follows or favorites anything.

    Per-reader flags (``following``, ``favorited``) must stay false for her whatever the others do,
    and filters naming her match nothing.
    """
    return blog.register("carol")


# -- tokens and timestamps ------------------------------------------------------------------
# Tokens are read and made with PyJWT, never verified: the graders forge what a correct server
# must refuse (another key, alg "none", an expired or unknown-user token with the run's secret).

_HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")
# Registered claims that say nothing about who the token is for.
_NON_IDENTITY_CLAIMS = frozenset({"iss", "aud", "exp", "nbf", "iat", "jti"})
UNKNOWN_ID = 987654321


def jwt_parts(token: object) -> tuple[dict, dict] | None:
    """The header and claims of a compact JWT, or None when ``token`` is not one.

    A JWT is three base64url parts; the first two decode to JSON objects and the header
    names its ``alg``. ``"a.b.c"`` has the shape but not the content.
    """
    if not isinstance(token, str):
        return None
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    if "alg" not in header or not isinstance(claims, dict):
        return None
    return header, claims


def sign_jwt(header: dict, claims: dict, key: str) -> str:
    """An HMAC-signed JWT with ``header``'s fields (HS256 unless it names HS384 or HS512)."""
    alg = header.get("alg") if header.get("alg") in _HMAC_ALGORITHMS else "HS256"
    extra = {k: v for k, v in header.items() if k not in ("alg", "typ")}
    return jwt.encode(claims, key, algorithm=alg, headers=extra or None)


def _unknown_identity(value):
    """``value`` changed so that it names nobody: ids become a huge id, names get a prefix."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return UNKNOWN_ID
    if isinstance(value, str):
        return str(UNKNOWN_ID) if value.isdigit() else f"nobody-{value}"
    if isinstance(value, dict):
        return {k: _unknown_identity(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unknown_identity(v) for v in value]
    return value


# What each forged token is, in the words of a failure message.
FORGED = {
    "other-key": "a token signed with another key (a real token's claims)",
    "alg-none": "an unsigned token (alg 'none', a real token's claims, empty signature)",
    "alg-none-no-dot": "an unsigned token (alg 'none', a real token's claims, no signature part)",
    "garbage": "the token 'a.b.c'",
    "expired": "a token that expired a day ago (a real token's claims, signed with $JWT_SECRET)",
    "unknown-user": "a token for a user who does not exist (signed with $JWT_SECRET)",
}
# The forgeries that need the server's own secret.
NEEDS_SECRET = ("expired", "unknown-user")


def forge_token(kind: str, token: str, secret: str | None = None) -> str:
    """A token a correct server rejects, made from a real ``token`` (see ``FORGED``)."""
    parts = jwt_parts(token)
    if kind == "garbage" or parts is None:
        return "a.b.c"
    header, claims = parts
    if kind == "other-key":
        return sign_jwt(header, claims, "not-the-secret-this-server-signs-with-" + token[-8:])
    if kind in ("alg-none", "alg-none-no-dot"):
        unsigned = jwt.encode(claims, None, algorithm="none")  # "header.claims." (no signature)
        return unsigned if kind == "alg-none" else unsigned.removesuffix(".")
    if secret is None:
        raise ValueError(f"forging a {kind} token needs the server's secret")
    now = int(time.time())
    if kind == "expired":
        claims = {**claims, "exp": now - 86400}
        for name in ("iat", "nbf"):
            if name in claims:
                claims[name] = now - 2 * 86400
    elif kind == "unknown-user":
        claims = {
            k: v if k in _NON_IDENTITY_CLAIMS else _unknown_identity(v) for k, v in claims.items()
        }
    else:
        raise ValueError(f"unknown forged token kind {kind!r}")
    return sign_jwt(header, claims, secret)


def resign_token(token: str, secret: str) -> str | None:
    """``token`` with its claims re-encoded and signed with ``secret``: the control for the
    forgeries that need the secret (None when ``token`` is no HMAC-signed JWT)."""
    parts = jwt_parts(token)
    if parts is None or parts[0].get("alg") not in _HMAC_ALGORITHMS:
        return None
    return sign_jwt(*parts, secret)


def parse_timestamp(stamp: object) -> datetime | None:
    """An ISO-8601 date and time WITH a time zone (``Z`` or an offset), or None."""
    if not isinstance(stamp, str) or "T" not in stamp.upper():
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def check_timestamps(obj: dict, what: str) -> None:
    """``createdAt`` and ``updatedAt``: ISO-8601 with a time zone, and updated >= created."""
    moments = {}
    for name in ("createdAt", "updatedAt"):
        stamp = expect_field(obj, name, str)
        moments[name] = parse_timestamp(stamp)
        expect(
            moments[name] is not None,
            f"expected {what}.{name} to be an ISO-8601 date and time with a time zone, like "
            f"2024-01-31T12:00:00.000Z or 2024-01-31T13:00:00+01:00, got {stamp!r}",
        )
    expect(
        moments["updatedAt"] >= moments["createdAt"],
        f"expected {what}.updatedAt to be no earlier than its createdAt, got updatedAt "
        f"{obj['updatedAt']!r} and createdAt {obj['createdAt']!r}",
    )


class Tokens:
    """The token helpers above, for graders (through the ``tokens`` fixture)."""

    FORGED = FORGED
    NEEDS_SECRET = NEEDS_SECRET
    parts = staticmethod(jwt_parts)
    forge = staticmethod(forge_token)
    resign = staticmethod(resign_token)


@pytest.fixture(scope="session")
def tokens() -> Tokens:
    """JWT helpers: ``parts(token)``, ``forge(kind, token, secret)``, ``resign(token, secret)``."""
    return Tokens()
