"""Reading and validating request bodies: a note's rules live in ``NoteIn``, and every
broken rule becomes one entry of a 422 problem's ``errors``, pointing at its field."""

import json
from typing import Annotated, Any

from fastapi import Request
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from .problems import Problem

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"

Tag = Annotated[str, StringConstraints(min_length=1)]


class NoteIn(BaseModel):
    """A whole note as clients send it; left-out optional fields get their defaults."""

    # strict: "3" and true are not integers, 5 is not a string. Unknown fields are ignored.
    model_config = ConfigDict(strict=True, extra="ignore")

    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    body: str | None = None
    tags: list[Tag] = Field(default_factory=list)
    priority: Annotated[int, Field(ge=1, le=5)] = 3

    @field_validator("title")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


def _pointer(loc: tuple) -> str:
    """pydantic's error location as a JSON pointer in a URI fragment: ('tags', 1) -> #/tags/1."""
    return "#" + "".join(f"/{part}" for part in loc)


def validate_note(data: Any) -> dict:
    """``data`` as a valid note (defaults filled in), or a 422 problem listing every error."""
    if not isinstance(data, dict):
        raise Problem(
            422,
            "the body must be a JSON object (a note)",
            [{"pointer": "#", "detail": "must be a JSON object"}],
        )
    try:
        return NoteIn.model_validate(data).model_dump()
    except ValidationError as exc:
        errors = [
            {"pointer": _pointer(err["loc"]), "detail": err["msg"].removeprefix("Value error, ")}
            for err in exc.errors()
        ]
        noun = "field is" if len({e["pointer"] for e in errors}) == 1 else "fields are"
        raise Problem(422, f"{len(errors)} {noun} invalid", errors) from None


async def read_json(request: Request, media_type: str) -> Any:
    """The parsed body of a request that must be sent as ``media_type``."""
    sent = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if sent != media_type:
        accept = {"Accept-Patch": MERGE_PATCH} if media_type == MERGE_PATCH else None
        raise Problem(
            415,
            f"send the body as Content-Type: {media_type} (got {sent or 'no Content-Type'})",
            headers=accept,
        )
    raw = await request.body()
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise Problem(400, f"the body is not valid JSON: {exc}") from None


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch: null removes a member, objects merge, anything else
    (a string, a number, a whole list) replaces what was there."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
