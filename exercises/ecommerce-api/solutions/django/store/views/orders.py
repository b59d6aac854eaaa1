"""Stages 5 and 8: checkout, reading orders, their lifecycle and history."""

from django.db import transaction
from django.http import JsonResponse

from .. import serializers
from ..errors import ApiError
from ..http import admin_only, authenticated, body, parse_id, route
from ..models import Order, User
from ..services import checkout, lifecycle, provider
from ..validation import storable

MAX_KEY = 255


def find_order(user: User, order_id: str, *, lock: bool = False, owner_only: bool = False):
    """The order if ``user`` may see it (owner, or any admin); otherwise 404, never 403, so
    nobody learns which order ids exist."""
    orders = Order.objects.select_for_update() if lock else Order.objects.all()
    order = orders.filter(pk=parse_id(order_id, "order")).first()
    allowed = order is not None and (
        order.user_id == user.id or (user.role == User.ADMIN and not owner_only)
    )
    if not allowed:
        raise ApiError(404, "order", "not found")
    return order


@authenticated
def _create(request, user):
    key = request.headers.get("Idempotency-Key")
    if key is not None:
        if not 0 < len(key) <= MAX_KEY:
            raise ApiError(422, "idempotencyKey", f"must be 1 to {MAX_KEY} characters")
        storable(key, "idempotencyKey")
    status, answer = checkout.checkout(user, body(request), key)
    return JsonResponse(answer, status=status)


@authenticated
def _list(request, user):
    orders = (
        Order.objects.filter(user=user).prefetch_related("items").order_by("-created_at", "-id")
    )
    return JsonResponse(
        {"orders": [serializers.order(o) for o in orders], "ordersCount": len(orders)}
    )


@authenticated
def _get(request, user, order_id):
    return JsonResponse({"order": serializers.order(find_order(user, order_id))})


@authenticated
def _history(request, user, order_id):
    order = find_order(user, order_id)
    changes = order.changes.order_by("at", "id")
    return JsonResponse(
        {
            "history": [
                {"from": c.from_status, "to": c.to_status, "at": serializers.iso(c.at)}
                for c in changes
            ]
        }
    )


@authenticated
def _cancel(request, user, order_id):
    order = find_order(user, order_id)
    if not lifecycle.allowed(order.status, Order.CANCELLED):
        raise ApiError(409, "status", f"cannot go from {order.status} to cancelled")
    if order.payment_intent_id:
        _cancel_payment(order)
    with transaction.atomic():
        order = find_order(user, order_id, lock=True)
        lifecycle.move(order, Order.CANCELLED)
        checkout.release_stock(order)
    return JsonResponse({"order": serializers.order(order)})


def _cancel_payment(order: Order) -> None:
    """Cancel the order's intent at the provider first, so the shopper cannot pay for an
    order that no longer exists; a payment already succeeding makes the cancel a 409."""
    try:
        provider.cancel_intent(order.payment_intent_id, f"order-{order.id}-cancel")
    except provider.ProviderError:
        intent = provider.get_intent(order.payment_intent_id)
        if intent.get("status") != "canceled":
            raise ApiError(
                409, "status", f"cannot go from {order.status} to cancelled: payment in progress"
            ) from None


def _admin_move(target: str):
    @admin_only
    def move(request, user, order_id):
        with transaction.atomic():
            order = find_order(user, order_id, lock=True)
            lifecycle.move(order, target)
        return JsonResponse({"order": serializers.order(order)})

    return move


collection = route(GET=_list, POST=_create)
item = route(GET=_get)
history = route(GET=_history)
cancel = route(POST=_cancel)
fulfil = route(POST=_admin_move(Order.FULFILLED))
deliver = route(POST=_admin_move(Order.DELIVERED))
