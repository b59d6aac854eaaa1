"""Every error leaves the API as ``{"errors": {"<field or thing>": ["<message>"]}}``."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

log = logging.getLogger("shop")

BLANK = "can't be blank"

# Pydantic error types that mean "missing, null or not text": reported as "can't be blank".
_BLANK_TYPES = {"missing", "string_type", "none_required"}


class ApiError(Exception):
    def __init__(self, status_code: int, errors: dict[str, list[str]]) -> None:
        super().__init__(status_code, errors)
        self.status_code = status_code
        self.errors = errors


def not_found(thing: str) -> ApiError:
    return ApiError(404, {thing: ["not found"]})


def unauthorized(message: str = "is missing") -> ApiError:
    return ApiError(401, {"token": [message]})


def forbidden() -> ApiError:
    return ApiError(403, {"role": ["must be admin"]})


def bad_transition(current: str, wanted: str) -> ApiError:
    return ApiError(409, {"status": [f"cannot go from {current} to {wanted}"]})


def error_response(status_code: int, errors: dict[str, list[str]]) -> JSONResponse:
    return JSONResponse({"errors": errors}, status_code=status_code)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        # loc is e.g. ("body", "product", "price"), ("query", "limit") or ("body",) / ("body", 3)
        # for a body that is missing or not JSON.
        names = [part for part in error["loc"][1:] if isinstance(part, str)]
        field = names[-1] if names else "body"
        message = BLANK if error["type"] in _BLANK_TYPES else error["msg"]
        messages = errors.setdefault(field, [])
        if message not in messages:
            messages.append(message)
    return error_response(422, errors)


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc.status_code, exc.errors)


def _allowed_methods(request: Request) -> str:
    """Every method of every route on this path (Starlette's 405 names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches({**request.scope, "method": "\x00"})
        if match == Match.PARTIAL:  # the path matched, the (impossible) method did not
            methods |= getattr(route, "methods", set())
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    headers = dict(exc.headers or {})
    status_code = exc.status_code
    if status_code == 404:
        errors = {"route": ["not found"]}
    elif status_code == 405:
        errors = {"method": ["not allowed"]}
        headers["Allow"] = _allowed_methods(request)
    elif status_code == 400:
        # FastAPI's answer to a body it cannot decode (not UTF-8): like invalid JSON, a 422.
        status_code, errors = 422, {"body": ["is not valid JSON"]}
    else:
        errors = {"request": [str(exc.detail)]}
    return JSONResponse({"errors": errors}, status_code=status_code, headers=headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, {"server": ["internal error"]})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)
