"""Errors as RFC 9457 problem details: every error of the API leaves through ``problem()``."""

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("notes")

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """Raise it anywhere in a handler; the exception handler below answers it."""

    def __init__(
        self,
        status: int,
        detail: str,
        errors: list[dict] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers


def problem(
    status: int,
    detail: str,
    errors: list[dict] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {
        "type": "about:blank",  # no documentation page of our own: the status says it all
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> JSONResponse:
        return problem(exc.status, exc.detail, exc.errors, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return problem(404, f"there is nothing at {request.url.path}")
        if exc.status_code == 405:
            allowed = (exc.headers or {}).get("allow", "")
            detail = f"{request.method} is not allowed on {request.url.path}"
            return problem(405, detail, headers={"Allow": allowed} if allowed else None)
        return problem(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def on_path_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Bodies and query strings are validated by hand; this is a path like /notes/abc,
        # which names no note.
        return problem(404, f"there is nothing at {request.url.path}")

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return problem(500, "the server failed; its log says why")
