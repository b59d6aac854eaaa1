"""Stage health works; every later route answers 501 with the stage that builds it."""

from django.db import DatabaseError, connection
from django.http import JsonResponse

from .errors import errors_response


def health(request):
    """200 once the schema exists: `migrate` creates django_migrations before the server runs."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM django_migrations LIMIT 1")
    except DatabaseError:
        return errors_response(503, "database", "schema not ready")
    return JsonResponse({"status": "ok"})


def not_yet(stages: dict[str, str]):
    """A placeholder view for one URL: ``stages`` maps each HTTP method to its stage."""

    def view(request, **kwargs):
        stage = stages.get(request.method or "")
        if stage is None:
            return errors_response(405, "method", f"{request.method} is not allowed here")
        message = (
            f"{request.method} {request.path} is not implemented yet: stage {stage}, "
            "see STAGES.md or `learnpath stage`"
        )
        return errors_response(501, "server", message)

    return view
