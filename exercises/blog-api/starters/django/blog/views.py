"""Views return JSON; errors look like {"errors": {"<field or thing>": ["<message>"]}}."""

from django.http import JsonResponse

from .errors import errors_response
from .models import ArticleTag


# Stage 1 (health): the tags in use, alphabetically.
def tags(request):
    if request.method != "GET":
        return errors_response(405, "method", f"{request.method} is not allowed here")
    names = ArticleTag.objects.values_list("tag", flat=True).distinct().order_by("tag")
    return JsonResponse({"tags": list(names)})


# Stage 2 (register): replace this placeholder with the real thing.
def register(request):
    return errors_response(
        501,
        "server",
        "POST /api/users is not implemented yet: stage 2, see STAGES.md or `learnpath stage`",
    )
