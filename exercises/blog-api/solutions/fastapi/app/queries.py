"""Read queries shared by the routers, shaped into the API's JSON objects.

A page of articles costs three statements whatever its size: the count, the
page itself (author, favorite count and the viewer's flags come from joins and
correlated subqueries) and one batched lookup of the page's tags.
"""

import json
import sqlite3
from typing import Any

from .errors import not_found

# :viewer is the authenticated user's id, or NULL for anonymous requests.
_ARTICLE_COLUMNS = """
    a.id, a.slug, a.title, a.description, {body} a.created_at, a.updated_at,
    u.username, u.bio, u.image,
    (SELECT COUNT(*) FROM favorites f WHERE f.article_id = a.id) AS favorites_count,
    EXISTS (SELECT 1 FROM favorites f
            WHERE f.article_id = a.id AND f.user_id = :viewer) AS favorited,
    EXISTS (SELECT 1 FROM follows fo
            WHERE fo.follower_id = :viewer AND fo.followee_id = a.author_id) AS following
"""

_FOLLOWING = "EXISTS (SELECT 1 FROM follows WHERE follower_id = :viewer AND followee_id = u.id)"


def profile_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "username": row["username"],
        "bio": row["bio"],
        "image": row["image"],
        "following": bool(row["following"]),
    }


def find_profile(db: sqlite3.Connection, username: str, viewer: int | None) -> dict[str, Any]:
    row = db.execute(
        f"SELECT u.username, u.bio, u.image, {_FOLLOWING} AS following"
        " FROM users u WHERE u.username = :username",
        {"username": username, "viewer": viewer},
    ).fetchone()
    if row is None:
        raise not_found("profile")
    return profile_json(row)


def _tags_by_article(db: sqlite3.Connection, ids: list[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = {article_id: [] for article_id in ids}
    if ids:
        # One statement for the whole page; the ids travel as one JSON array parameter.
        for article_id, tag in db.execute(
            "SELECT article_id, tag FROM article_tags"
            " WHERE article_id IN (SELECT value FROM json_each(?)) ORDER BY tag",
            (json.dumps(ids),),
        ):
            tags[article_id].append(tag)
    return tags


def _article_json(row: sqlite3.Row, tags: list[str], *, with_body: bool) -> dict[str, Any]:
    article = {
        "slug": row["slug"],
        "title": row["title"],
        "description": row["description"],
        "tagList": tags,
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "favorited": bool(row["favorited"]),
        "favoritesCount": row["favorites_count"],
        "author": profile_json(row),
    }
    if with_body:
        article["body"] = row["body"]
    return article


def find_article(db: sqlite3.Connection, slug: str, viewer: int | None) -> dict[str, Any]:
    """The full article (with body) as the API returns it; 404 if the slug is unknown."""
    row = db.execute(
        f"SELECT {_ARTICLE_COLUMNS.format(body='a.body,')}"
        " FROM articles a JOIN users u ON u.id = a.author_id WHERE a.slug = :slug",
        {"slug": slug, "viewer": viewer},
    ).fetchone()
    if row is None:
        raise not_found("article")
    return _article_json(row, _tags_by_article(db, [row["id"]])[row["id"]], with_body=True)


def find_article_ref(db: sqlite3.Connection, slug: str) -> sqlite3.Row:
    """What writes need: ``id``, ``author_id``, ``title``, ``updated_at``; 404 if unknown."""
    row = db.execute(
        "SELECT id, author_id, title, updated_at FROM articles WHERE slug = ?", (slug,)
    ).fetchone()
    if row is None:
        raise not_found("article")
    return row


def list_articles(
    db: sqlite3.Connection,
    *,
    viewer: int | None,
    limit: int,
    offset: int,
    tag: str | None = None,
    author: str | None = None,
    favorited: str | None = None,
    feed: bool = False,
) -> dict[str, Any]:
    """A page of articles, newest first, without bodies, plus the total number of matches."""
    params: dict[str, Any] = {
        "viewer": viewer,
        "limit": limit,
        "offset": offset,
        "tag": tag,
        "author": author,
        "favorited": favorited,
    }
    conditions = []
    if tag:
        conditions.append("a.id IN (SELECT article_id FROM article_tags WHERE tag = :tag)")
    if author:
        conditions.append("a.author_id = (SELECT id FROM users WHERE username = :author)")
    if favorited:
        conditions.append(
            "a.id IN (SELECT f.article_id FROM favorites f"
            " JOIN users fu ON fu.id = f.user_id WHERE fu.username = :favorited)"
        )
    if feed:
        conditions.append(
            "a.author_id IN (SELECT followee_id FROM follows WHERE follower_id = :viewer)"
        )
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""

    total = db.execute(f"SELECT COUNT(*) FROM articles a {where}", params).fetchone()[0]
    rows = db.execute(
        f"SELECT {_ARTICLE_COLUMNS.format(body='')}"
        f" FROM articles a JOIN users u ON u.id = a.author_id {where}"
        " ORDER BY a.id DESC LIMIT :limit OFFSET :offset",
        params,
    ).fetchall()
    tags = _tags_by_article(db, [row["id"] for row in rows])
    return {
        "articles": [_article_json(row, tags[row["id"]], with_body=False) for row in rows],
        "articlesCount": total,
    }


def _comment_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "body": row["body"],
        "author": profile_json(row),
    }


_COMMENT_SELECT = f"""
    SELECT c.id, c.body, c.created_at, c.updated_at, u.username, u.bio, u.image,
           {_FOLLOWING} AS following
    FROM comments c JOIN users u ON u.id = c.author_id
"""


def list_comments(
    db: sqlite3.Connection, article_id: int, viewer: int | None
) -> list[dict[str, Any]]:
    """Newest first, like articles."""
    rows = db.execute(
        f"{_COMMENT_SELECT} WHERE c.article_id = :article ORDER BY c.id DESC",
        {"article": article_id, "viewer": viewer},
    )
    return [_comment_json(row) for row in rows]


def find_comment(db: sqlite3.Connection, comment_id: int, viewer: int | None) -> dict[str, Any]:
    row = db.execute(
        f"{_COMMENT_SELECT} WHERE c.id = :id", {"id": comment_id, "viewer": viewer}
    ).fetchone()
    if row is None:
        raise not_found("comment")
    return _comment_json(row)
