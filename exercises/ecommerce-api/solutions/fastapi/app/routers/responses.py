"""Error responses for the OpenAPI document, so contract tests know every status we answer."""

from typing import Any

from ..schemas import ErrorResponse

_DESCRIPTIONS = {
    400: "Bad request",
    401: "Missing, invalid or expired token",
    403: "Admins only",
    404: "Not found",
    409: "Conflict with the current state",
    422: "Invalid input, keyed by field",
    502: "The payment provider failed",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status with the ``{"errors": {...}}`` body."""
    return {code: {"model": ErrorResponse, "description": _DESCRIPTIONS[code]} for code in codes}
