"""Comments on an article."""

from typing import Annotated

from fastapi import APIRouter, Path, Response

from ..db import transaction, utc_now
from ..dependencies import OPTIONAL_AUTH, CurrentUser, Db, MaybeUser
from ..errors import forbidden, not_found
from ..queries import find_article_ref, find_comment, list_comments
from ..schemas import CommentListResponse, CommentResponse, NewCommentRequest
from .responses import errors

router = APIRouter(prefix="/articles/{slug}/comments", tags=["Comments"])


@router.get(
    "",
    response_model=CommentListResponse,
    responses=errors(401, 404),
    openapi_extra=OPTIONAL_AUTH,
    summary="List an article's comments, newest first",
)
async def get_comments(slug: str, db: Db, viewer: MaybeUser):
    article = find_article_ref(db, slug)
    return {"comments": list_comments(db, article["id"], viewer.id if viewer else None)}


@router.post(
    "",
    status_code=201,
    response_model=CommentResponse,
    responses=errors(401, 404, 422),
    summary="Comment on an article",
)
async def add_comment(slug: str, payload: NewCommentRequest, user: CurrentUser, db: Db):
    with transaction(db):
        article = find_article_ref(db, slug)
        now = utc_now()
        comment_id = db.execute(
            "INSERT INTO comments (article_id, author_id, body, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (article["id"], user.id, payload.comment.body, now, now),
        ).lastrowid
    return {"comment": find_comment(db, comment_id, user.id)}


@router.delete(
    "/{id}",
    status_code=204,
    response_class=Response,
    responses=errors(401, 403, 404, 422),
    summary="Delete one of your comments",
)
async def delete_comment(
    slug: str, comment_id: Annotated[int, Path(alias="id")], user: CurrentUser, db: Db
):
    with transaction(db):
        article = find_article_ref(db, slug)
        comment = db.execute(
            "SELECT author_id FROM comments WHERE id = ? AND article_id = ?",
            (comment_id, article["id"]),
        ).fetchone()
        if comment is None:
            raise not_found("comment")
        if comment["author_id"] != user.id:
            raise forbidden("comment")
        db.execute("DELETE FROM comments WHERE id = ?", (comment_id,))
