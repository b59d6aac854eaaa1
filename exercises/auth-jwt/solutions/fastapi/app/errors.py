"""Every error leaves the API as ``{"errors": {"<field or thing>": ["<message>"]}}``."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

BLANK = "can't be blank"


class ApiError(Exception):
    def __init__(
        self, status_code: int, errors: dict[str, list[str]], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code, errors)
        self.status_code = status_code
        self.errors = errors
        self.headers = headers


def unprocessable(field: str, message: str = BLANK) -> ApiError:
    return ApiError(422, {field: [message]})


def not_found(thing: str) -> ApiError:
    return ApiError(404, {thing: ["not found"]})


def forbidden(thing: str) -> ApiError:
    return ApiError(403, {thing: ["forbidden"]})


def unauthorized(message: str) -> ApiError:
    return ApiError(401, {"token": [message]}, {"WWW-Authenticate": "Bearer"})


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse({"errors": exc.errors}, status_code=exc.status_code, headers=exc.headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        names = [part for part in error["loc"][1:] if isinstance(part, str)]
        errors.setdefault(names[-1] if names else "body", []).append(error["msg"])
    return JSONResponse({"errors": errors}, status_code=422)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 404:
        errors = {"route": ["not found"]}
    elif exc.status_code == 405:
        errors = {"method": ["not allowed"]}
    else:
        errors = {"request": [str(exc.detail)]}
    return JSONResponse({"errors": errors}, status_code=exc.status_code, headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # Starlette re-raises it afterwards, so uvicorn still logs the traceback.
    return JSONResponse({"errors": {"server": ["internal error"]}}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
