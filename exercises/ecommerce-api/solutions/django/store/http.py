"""Request plumbing shared by the views: the JSON body, methods, authentication."""

import functools
import json

from django.http import HttpRequest, JsonResponse

from . import tokens
from .errors import ApiError
from .models import User


def body(request: HttpRequest) -> dict:
    """The JSON object the client sent; an empty body counts as ``{}``."""
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
        # "\ud800" parses, but a lone surrogate is no character: no database could store it.
        json.dumps(data, ensure_ascii=False).encode()
    except (UnicodeError, ValueError):
        raise ApiError(400, "body", "is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError(422, "body", "must be a JSON object")
    return data


def envelope(request: HttpRequest, key: str) -> dict:
    """``{"<key>": {...}}``: the object under ``key`` (a missing one is an empty object)."""
    inner = body(request).get(key, {})
    if not isinstance(inner, dict):
        raise ApiError(422, key, "must be a JSON object")
    return inner


def route(**handlers):
    """A view dispatching on the HTTP method: ``route(GET=f, POST=g)``; others answer 405.

    Each handler is called as ``handler(request, **url_kwargs)``.
    """

    def view(request: HttpRequest, **kwargs) -> JsonResponse:
        handler = handlers.get(request.method or "")
        if handler is None:
            response = JsonResponse(
                {"errors": {"method": [f"{request.method} is not allowed here"]}}, status=405
            )
            response["Allow"] = ", ".join(handlers)
            return response
        return handler(request, **kwargs)

    return view


def current_user(request: HttpRequest) -> User:
    """The user the ``Authorization: Token <jwt>`` header names; 401 otherwise."""
    header = request.headers.get("Authorization", "")
    if not header:
        raise ApiError(401, "token", "is missing")
    scheme, _, token = header.partition(" ")
    if scheme != "Token" or not token.strip():
        raise ApiError(401, "token", "is invalid")
    user_id = tokens.user_id(token.strip())
    user = User.objects.filter(pk=user_id).first() if user_id is not None else None
    if user is None:
        raise ApiError(401, "token", "is invalid")
    return user


def authenticated(handler):
    """Passes the current user to ``handler(request, user, ...)``."""

    @functools.wraps(handler)
    def wrapper(request: HttpRequest, **kwargs):
        return handler(request, current_user(request), **kwargs)

    return wrapper


def admin_only(handler):
    """Like ``authenticated``, for admins: a customer gets 403."""

    @functools.wraps(handler)
    def wrapper(request: HttpRequest, **kwargs):
        user = current_user(request)
        if user.role != User.ADMIN:
            raise ApiError(403, "user", "must be an admin")
        return handler(request, user, **kwargs)

    return wrapper


def parse_id(raw: str, what: str) -> int:
    """A numeric id from the URL; anything else names nothing, so it is a 404."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise ApiError(404, what, "not found")
    return int(raw)
