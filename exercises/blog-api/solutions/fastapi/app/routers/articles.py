"""Articles: listing, the feed, CRUD and favorites."""

import re
import secrets
import sqlite3
from typing import Annotated

from fastapi import APIRouter, Query, Response

from ..db import timestamp_after, transaction, utc_now
from ..dependencies import OPTIONAL_AUTH, CurrentUser, Db, MaybeUser
from ..errors import forbidden
from ..queries import find_article, find_article_ref, list_articles
from ..schemas import ArticleListResponse, ArticleResponse, ArticleUpdateRequest, NewArticleRequest
from .responses import errors

router = APIRouter(prefix="/articles", tags=["Articles"])

# Bounded so SQLite can bind them: it has no integers beyond 64 bits.
MAX_LIMIT = 100
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size (default 20, at most 100)")]
Offset = Annotated[
    int, Query(ge=0, le=2**63 - 1, description="Number of articles to skip (default 0)")
]


def _slugify(title: str) -> str:
    slug = re.sub(r"[\W_]+", "-", title.lower()).strip("-")[:80].strip("-")
    return slug or "article"


def _unique_slug(db: sqlite3.Connection, title: str, article_id: int | None = None) -> str:
    """A slug from the title; a random suffix tells apart articles with the same title.

    Call inside a write transaction so nobody can take the slug before the insert.
    """
    base = slug = _slugify(title)
    while db.execute(
        "SELECT 1 FROM articles WHERE slug = ? AND id IS NOT ?", (slug, article_id)
    ).fetchone():
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


def _set_tags(db: sqlite3.Connection, article_id: int, tags: list[str]) -> None:
    db.execute("DELETE FROM article_tags WHERE article_id = ?", (article_id,))
    db.executemany(
        "INSERT INTO article_tags (article_id, tag) VALUES (?, ?)",
        [(article_id, tag) for tag in tags],
    )


@router.get(
    "",
    response_model=ArticleListResponse,
    responses=errors(401, 422),
    openapi_extra=OPTIONAL_AUTH,
    summary="List articles, newest first",
)
async def get_articles(
    db: Db,
    viewer: MaybeUser,
    tag: Annotated[str | None, Query(description="Only articles with this tag")] = None,
    author: Annotated[str | None, Query(description="Only articles by this username")] = None,
    favorited: Annotated[
        str | None, Query(description="Only articles this username favorited")
    ] = None,
    limit: Limit = 20,
    offset: Offset = 0,
):
    return list_articles(
        db,
        viewer=viewer.id if viewer else None,
        limit=limit,
        offset=offset,
        tag=tag,
        author=author,
        favorited=favorited,
    )


@router.get(
    "/feed",
    response_model=ArticleListResponse,
    responses=errors(401, 422),
    summary="Articles by the users you follow, newest first",
)
async def get_feed(db: Db, user: CurrentUser, limit: Limit = 20, offset: Offset = 0):
    return list_articles(db, viewer=user.id, limit=limit, offset=offset, feed=True)


@router.post(
    "",
    status_code=201,
    response_model=ArticleResponse,
    responses=errors(401, 422),
    summary="Create an article",
)
async def create_article(payload: NewArticleRequest, user: CurrentUser, db: Db):
    new = payload.article
    with transaction(db):
        slug = _unique_slug(db, new.title)
        now = utc_now()
        article_id = db.execute(
            "INSERT INTO articles"
            " (slug, title, description, body, author_id, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (slug, new.title, new.description, new.body, user.id, now, now),
        ).lastrowid
        _set_tags(db, article_id, new.tagList)
    return {"article": find_article(db, slug, user.id)}


@router.get(
    "/{slug}",
    response_model=ArticleResponse,
    responses=errors(401, 404),
    openapi_extra=OPTIONAL_AUTH,
    summary="Get an article",
)
async def get_article(slug: str, db: Db, viewer: MaybeUser):
    return {"article": find_article(db, slug, viewer.id if viewer else None)}


@router.put(
    "/{slug}",
    response_model=ArticleResponse,
    responses=errors(401, 403, 404, 422),
    summary="Update an article (only the fields sent; a new title gives a new slug)",
)
async def update_article(slug: str, payload: ArticleUpdateRequest, user: CurrentUser, db: Db):
    changes = payload.article.model_dump(exclude_unset=True)
    tags = changes.pop("tagList", None)  # left out: keep the tags; []: remove them all
    with transaction(db):
        article = find_article_ref(db, slug)
        if article["author_id"] != user.id:
            raise forbidden("article")
        if "title" in changes and changes["title"] != article["title"]:
            changes["slug"] = _unique_slug(db, changes["title"], article["id"])
        changes["updated_at"] = timestamp_after(article["updated_at"])
        # Column names come from the validated model's fields, never from the client.
        assignments = ", ".join(f"{column} = :{column}" for column in changes)
        db.execute(
            f"UPDATE articles SET {assignments} WHERE id = :id", {**changes, "id": article["id"]}
        )
        if tags is not None:
            _set_tags(db, article["id"], tags)
    return {"article": find_article(db, changes.get("slug", slug), user.id)}


@router.delete(
    "/{slug}",
    status_code=204,
    response_class=Response,
    responses=errors(401, 403, 404),
    summary="Delete an article (with its comments, tags and favorites)",
)
async def delete_article(slug: str, user: CurrentUser, db: Db):
    with transaction(db):
        article = find_article_ref(db, slug)
        if article["author_id"] != user.id:
            raise forbidden("article")
        db.execute("DELETE FROM articles WHERE id = ?", (article["id"],))


@router.post(
    "/{slug}/favorite",
    response_model=ArticleResponse,
    responses=errors(401, 404),
    tags=["Favorites"],
    summary="Favorite an article",
)
async def favorite(slug: str, user: CurrentUser, db: Db):
    with transaction(db):
        article = find_article_ref(db, slug)
        db.execute(
            "INSERT OR IGNORE INTO favorites (user_id, article_id) VALUES (?, ?)",
            (user.id, article["id"]),
        )
    return {"article": find_article(db, slug, user.id)}


@router.delete(
    "/{slug}/favorite",
    response_model=ArticleResponse,
    responses=errors(401, 404),
    tags=["Favorites"],
    summary="Unfavorite an article",
)
async def unfavorite(slug: str, user: CurrentUser, db: Db):
    with transaction(db):
        article = find_article_ref(db, slug)
        db.execute(
            "DELETE FROM favorites WHERE user_id = ? AND article_id = ?", (user.id, article["id"])
        )
    return {"article": find_article(db, slug, user.id)}
