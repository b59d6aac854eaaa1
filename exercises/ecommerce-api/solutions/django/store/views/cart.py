"""Stage 4: one cart per user, priced from the catalog on every view."""

from django.http import JsonResponse

from ..errors import ApiError
from ..http import authenticated, body, parse_id, route
from ..models import CartItem, Product
from ..validation import MAX_STOCK, integer


def cart_json(user) -> dict:
    """The cart with current prices, lines in the order they were first added."""
    lines = CartItem.objects.filter(user=user).select_related("product").order_by("id")
    items = [
        {
            "productId": str(line.product_id),
            "name": line.product.name,
            "unitPrice": line.product.price,
            "quantity": line.quantity,
            "lineTotal": line.product.price * line.quantity,
        }
        for line in lines
    ]
    return {"items": items, "total": sum(i["lineTotal"] for i in items), "currency": "EUR"}


@authenticated
def _view(request, user):
    return JsonResponse({"cart": cart_json(user)})


@authenticated
def _put(request, user, product_id):
    product = Product.objects.filter(pk=parse_id(product_id, "product")).first()
    if product is None:
        raise ApiError(404, "product", "not found")
    quantity = integer(body(request).get("quantity"), "quantity", 1, MAX_STOCK)
    if quantity > product.stock:
        raise ApiError(422, "quantity", f"is more than the {product.stock} in stock")
    # INSERT ... ON CONFLICT (user, product) DO UPDATE: one statement, so concurrent PUTs to
    # one cart never lose a line and a re-PUT keeps the line's place (its id).
    CartItem.objects.bulk_create(
        [CartItem(user=user, product=product, quantity=quantity)],
        update_conflicts=True,
        unique_fields=["user", "product"],
        update_fields=["quantity"],
    )
    return JsonResponse({"cart": cart_json(user)})


@authenticated
def _delete(request, user, product_id):
    deleted, _ = CartItem.objects.filter(
        user=user, product_id=parse_id(product_id, "product")
    ).delete()
    if not deleted:
        raise ApiError(404, "item", "not in the cart")
    return JsonResponse({"cart": cart_json(user)})


view = route(GET=_view)
item = route(PUT=_put, DELETE=_delete)
