"""Every error leaves the API as ``{"errors": {"<field or resource>": ["<message>"]}}``."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

BLANK = "can't be blank"

# Pydantic error types that mean "the value is missing, null or not a string/object":
# the contract reports all of them as "can't be blank".
_BLANK_TYPES = {
    "missing",
    "string_type",
    "json_invalid",
    "model_type",
    "model_attributes_type",
    "dict_type",
}


class ApiError(Exception):
    def __init__(self, status_code: int, errors: dict[str, list[str]]) -> None:
        super().__init__(status_code, errors)
        self.status_code = status_code
        self.errors = errors


def missing_token() -> ApiError:
    return ApiError(401, {"token": ["is missing"]})


def invalid_token() -> ApiError:
    return ApiError(401, {"token": ["is invalid"]})


def not_found(resource: str) -> ApiError:
    return ApiError(404, {resource: ["not found"]})


def forbidden(resource: str) -> ApiError:
    return ApiError(403, {resource: ["forbidden"]})


def taken(*fields: str) -> ApiError:
    return ApiError(409, {field: ["has already been taken"] for field in fields})


def error_response(status_code: int, errors: dict[str, list[str]]) -> JSONResponse:
    return JSONResponse({"errors": errors}, status_code=status_code)


def _body_envelope(request: Request) -> str:
    """The top-level key of the route's JSON body (``user``, ``article`` or ``comment``)."""
    body_field = getattr(request.scope.get("route"), "body_field", None)
    model = getattr(getattr(body_field, "field_info", None), "annotation", None)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return next(iter(model.model_fields), "body")
    return "body"


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        # loc is e.g. ("body", "user", "email"), ("body", "article", "tagList", 0),
        # ("query", "limit"), or ("body", 12) for unparseable JSON.
        names = [part for part in error["loc"][1:] if isinstance(part, str)]
        field = names[-1] if names else _body_envelope(request)
        message = BLANK if error["type"] in _BLANK_TYPES else error["msg"]
        messages = errors.setdefault(field, [])
        if message not in messages:
            messages.append(message)
    return error_response(422, errors)


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc.status_code, exc.errors)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 404:
        errors = {"route": ["not found"]}
    elif exc.status_code == 405:
        errors = {"method": ["not allowed"]}
    else:
        errors = {"request": [str(exc.detail)]}
    return JSONResponse({"errors": errors}, status_code=exc.status_code, headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # Starlette still re-raises the exception afterwards, so uvicorn logs the traceback.
    return error_response(500, {"server": ["internal error"]})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
