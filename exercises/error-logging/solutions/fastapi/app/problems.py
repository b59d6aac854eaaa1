"""Errors as RFC 9457 problem details: every error of the API leaves through ``problem()``,
also the ones FastAPI and Starlette raise themselves (unknown path, wrong method, a body that
is not JSON or breaks the rules)."""

import json
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from .logs import request_id

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


def problem_body(status: int, detail: str, path: str, errors: list[dict] | None = None) -> dict:
    body = {
        "type": "about:blank",  # no documentation page of our own: the status says it all
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": path,
        # What a client quotes when it reports the error; the same id is on our log lines.
        "request_id": request_id.get(),
    }
    if errors:
        body["errors"] = errors
    return body


def problem(
    status: int,
    detail: str,
    path: str,
    errors: list[dict] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = json.dumps(problem_body(status, detail, path, errors))
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _pointer(loc: tuple) -> str:
    """pydantic's error location as a JSON pointer: ('body', 'payment', 'cvc') -> #/payment/cvc."""
    return "#" + "".join(f"/{part}" for part in loc[1:])


def allowed_methods(request: Request) -> str:
    """Every method some route answers at this path (FastAPI makes one route per method, and
    Starlette's own Allow header names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> Response:
        return problem(exc.status, exc.detail, request.url.path, exc.errors, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        path = request.url.path
        if exc.status_code == 404:
            return problem(404, f"there is nothing at {path}", path)
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed on {path}"
            return problem(405, detail, path, headers={"Allow": allowed_methods(request)})
        return problem(exc.status_code, str(exc.detail), path)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        path = request.url.path
        errors = exc.errors()
        if any(err["type"] == "json_invalid" for err in errors):
            return problem(400, "the body is not valid JSON", path)
        if all(err["loc"][0] == "path" for err in errors):
            return problem(404, f"there is nothing at {path}", path)
        # Only where and what: pydantic's "input" would echo the client's values (a
        # password, a card number) back, and they do not belong in a response.
        listed = [{"pointer": _pointer(err["loc"]), "detail": err["msg"]} for err in errors]
        noun = "field is" if len(listed) == 1 else "fields are"
        return problem(422, f"{len(listed)} {noun} invalid", path, listed)
