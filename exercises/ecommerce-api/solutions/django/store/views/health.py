"""Stage 1: the server answers once its schema exists; and the API's own description."""

from django.db import DatabaseError
from django.http import JsonResponse

from ..errors import errors_response
from ..http import route
from ..models import Product
from ..openapi import document


def _health(request):
    try:
        Product.objects.exists()  # fails until the migrations have created the tables
    except DatabaseError:
        return errors_response(503, "database", "schema not ready")
    return JsonResponse({"status": "ok"})


def _openapi(request):
    return JsonResponse(document())


health = route(GET=_health)
openapi = route(GET=_openapi)
