"""Request and response bodies.

Request models carry the contract's validation rules; a failed rule becomes a
422 through the handler in ``errors.py``. Response models document the API and
let FastAPI serialize straight to JSON.
"""

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from .errors import BLANK

# ---------------------------------------------------------------- field types


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", BLANK)
    return value


def _email_shape(value: str) -> str:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+", value):
        raise PydanticCustomError("email", "is invalid")
    return value


def _password_length(value: str) -> str:
    if len(value) < 8:
        raise PydanticCustomError("too_short", "is too short (minimum is 8 characters)")
    if len(value) > 64:
        raise PydanticCustomError("too_long", "is too long (maximum is 64 characters)")
    return value


def _tag_list(value: Any) -> list[str]:
    """Accept a list of strings; trim, drop blanks and duplicates, sort."""
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise PydanticCustomError("tag_list", "must be a list of strings")
    return sorted({tag.strip() for tag in value if tag.strip()})


def _reject_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("blank", BLANK)
    return value


Text = Annotated[str, AfterValidator(_not_blank)]
Email = Annotated[str, AfterValidator(_not_blank), AfterValidator(_email_shape)]
Password = Annotated[str, AfterValidator(_not_blank), AfterValidator(_password_length)]
TagList = Annotated[list[str], BeforeValidator(_tag_list)]
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]

# Update fields: they may be left out (None = "unchanged"), but an explicit null is a 422.
_NOT_NULL = BeforeValidator(_reject_null)
_STRING = WithJsonSchema({"type": "string"})
MaybeText = Annotated[Text | None, _NOT_NULL, _STRING]
MaybeEmail = Annotated[Email | None, _NOT_NULL, _STRING]
MaybePassword = Annotated[Password | None, _NOT_NULL, _STRING]
_STRINGS = WithJsonSchema({"type": "array", "items": {"type": "string"}})
MaybeTagList = Annotated[TagList | None, _NOT_NULL, _STRINGS]

# ---------------------------------------------------------------- requests


class LoginUser(BaseModel):
    email: Text
    password: Text


class LoginRequest(BaseModel):
    user: LoginUser


class NewUser(BaseModel):
    username: Text
    email: Email
    password: Password


class NewUserRequest(BaseModel):
    user: NewUser


class UserUpdate(BaseModel):
    email: MaybeEmail = None
    username: MaybeText = None
    password: MaybePassword = None
    bio: str | None = None  # "" or null clears it
    image: str | None = None


class UserUpdateRequest(BaseModel):
    user: UserUpdate


class NewArticle(BaseModel):
    title: Text
    description: Text
    body: Text
    tagList: TagList = []


class NewArticleRequest(BaseModel):
    article: NewArticle


class ArticleUpdate(BaseModel):
    title: MaybeText = None
    description: MaybeText = None
    body: MaybeText = None
    tagList: MaybeTagList = None  # left out keeps the tags, [] removes them


class ArticleUpdateRequest(BaseModel):
    article: ArticleUpdate


class NewComment(BaseModel):
    body: Text


class NewCommentRequest(BaseModel):
    comment: NewComment


# ---------------------------------------------------------------- responses


class User(BaseModel):
    email: str
    token: str
    username: str
    bio: str | None
    image: str | None


class UserResponse(BaseModel):
    user: User


class Profile(BaseModel):
    username: str
    bio: str | None
    image: str | None
    following: bool


class ProfileResponse(BaseModel):
    profile: Profile


class ArticleSummary(BaseModel):
    """An article as it appears in lists: everything but the body."""

    slug: str
    title: str
    description: str
    tagList: list[str]
    createdAt: Timestamp
    updatedAt: Timestamp
    favorited: bool
    favoritesCount: int
    author: Profile


class Article(ArticleSummary):
    body: str


class ArticleResponse(BaseModel):
    article: Article


class ArticleListResponse(BaseModel):
    articles: list[ArticleSummary]
    articlesCount: int


class Comment(BaseModel):
    id: int
    createdAt: Timestamp
    updatedAt: Timestamp
    body: str
    author: Profile


class CommentResponse(BaseModel):
    comment: Comment


class CommentListResponse(BaseModel):
    comments: list[Comment]


class TagsResponse(BaseModel):
    tags: list[str]


class ErrorResponse(BaseModel):
    errors: dict[str, list[str]]
