"""OpenAPI documentation of the error responses each route can return."""

from typing import Any

from ..schemas import ErrorResponse

_DESCRIPTIONS = {
    401: "Missing or invalid token (`errors.token`)",
    403: "Not the author (`errors.article` or `errors.comment`: forbidden)",
    404: "Unknown resource (`errors.article`, `errors.profile` or `errors.comment`: not found)",
    409: "Already taken (`errors.username` and/or `errors.email`)",
    422: "Invalid input, keyed by field (e.g. `errors.title`: can't be blank)",
}


def errors(*status_codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for the given error statuses, all with the RealWorld error body."""
    return {
        code: {"model": ErrorResponse, "description": _DESCRIPTIONS[code]} for code in status_codes
    }
