"""Errors as JSON, everywhere: {"errors": {"<field or thing>": ["<message>"]}}."""

import logging

from django.http import JsonResponse

log = logging.getLogger("store")


class ApiError(Exception):
    """An answer other than success: raise it anywhere in a view, the middleware renders it."""

    def __init__(self, status: int, key: str, message: str) -> None:
        super().__init__(f"{status} {key}: {message}")
        self.status = status
        self.errors = {key: [message]}


def errors_response(status: int, key: str, message: str) -> JsonResponse:
    """The contract's error body with ``status``."""
    return JsonResponse({"errors": {key: [message]}}, status=status)


class JsonErrorsMiddleware:
    """Turns ApiError into its JSON answer, and any other exception into a JSON 500.

    A 500 stays a 500 (the provider must retry a webhook whose handler failed) but never leaks
    a traceback or an HTML page to the client; the traceback goes to the log.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if isinstance(exc, ApiError):
            return JsonResponse({"errors": exc.errors}, status=exc.status)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return errors_response(500, "server", "internal error")


def not_found(request, exception=None) -> JsonResponse:
    """Unknown URLs."""
    return errors_response(404, "route", "not found")


def server_error(request) -> JsonResponse:
    """Errors Django itself catches outside the views."""
    return errors_response(500, "server", "internal error")
