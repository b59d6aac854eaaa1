"""Stage 3: the catalog. Anyone reads it; only admins change it."""

import hashlib

from django.db.models import Q
from django.http import HttpResponse, JsonResponse

from .. import serializers
from ..errors import ApiError
from ..http import admin_only, envelope, parse_id, route
from ..models import Product
from ..validation import MAX_PRICE, MAX_STOCK, currency, integer, query_int, storable, text

SORTS = {
    "price": ("price", "id"),
    "-price": ("-price", "-id"),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "createdAt": ("created_at", "id"),
    "-createdAt": ("-created_at", "-id"),
}


def _fields(data: dict, *, partial: bool) -> dict:
    """The product fields sent, validated; on create every field but description is needed."""
    fields: dict = {}
    if not partial or "name" in data:
        fields["name"] = text(data, "name")
    if "description" in data:
        fields["description"] = text(data, "description", required=False, max_length=5000)
    if not partial or "price" in data:
        fields["price"] = integer(data.get("price"), "price", 1, MAX_PRICE)
    if not partial or "stock" in data:
        fields["stock"] = integer(data.get("stock"), "stock", 0, MAX_STOCK)
    if "currency" in data:
        fields["currency"] = currency(data["currency"])
    return fields


def _list(request):
    params = request.GET
    limit = query_int(params.get("limit"), "limit", 20, 1, 100)
    offset = query_int(params.get("offset"), "offset", 0, 0, 10**9)
    sort = params.get("sort", "-createdAt")
    if sort not in SORTS:
        raise ApiError(422, "sort", f"must be one of {', '.join(SORTS)}")
    products = Product.objects.all()
    if q := storable(params.get("q", ""), "q").strip():
        products = products.filter(Q(name__icontains=q) | Q(description__icontains=q))
    if "minPrice" in params:
        products = products.filter(
            price__gte=query_int(params["minPrice"], "minPrice", 0, 0, 2**62)
        )
    if "maxPrice" in params:
        products = products.filter(
            price__lte=query_int(params["maxPrice"], "maxPrice", 0, 0, 2**62)
        )
    page = products.order_by(*SORTS[sort])[offset : offset + limit]
    return JsonResponse(
        {"products": [serializers.product(p) for p in page], "productsCount": products.count()}
    )


@admin_only
def _create(request, user):
    fields = _fields(envelope(request, "product"), partial=False)
    created = Product.objects.create(**fields)
    return JsonResponse({"product": serializers.product(created)}, status=201)


def _get(request, product_id):
    item = _find(product_id)
    data = serializers.product(item)
    # Derived from the whole representation: any change to the product changes it.
    etag = '"' + hashlib.sha256(repr(sorted(data.items())).encode()).hexdigest()[:32] + '"'
    sent = _etags(request.headers.get("If-None-Match", ""))
    if etag in sent or "*" in sent:
        response = HttpResponse(status=304)
    else:
        response = JsonResponse({"product": data})
    response["ETag"] = etag
    return response


def _etags(header: str) -> set[str]:
    """The tags of an If-None-Match header; weak ones match too (RFC 9110 weak comparison)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


@admin_only
def _update(request, user, product_id):
    item = _find(product_id)
    fields = _fields(envelope(request, "product"), partial=True)
    for name, value in fields.items():
        setattr(item, name, value)
    # Only the columns sent: a name edit must not write back a stock value read before a
    # concurrent checkout decremented it.
    item.save(update_fields=[*fields, "updated_at"])
    return JsonResponse({"product": serializers.product(item)})


@admin_only
def _delete(request, user, product_id):
    deleted, _ = Product.objects.filter(pk=parse_id(product_id, "product")).delete()
    if not deleted:
        raise ApiError(404, "product", "not found")
    return HttpResponse(status=204)


def _find(product_id: str) -> Product:
    item = Product.objects.filter(pk=parse_id(product_id, "product")).first()
    if item is None:
        raise ApiError(404, "product", "not found")
    return item


collection = route(GET=_list, POST=_create)
item = route(GET=_get, PUT=_update, DELETE=_delete)
