"""Stages 6 and 9: paying for an order and refunding it, through the provider."""

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Now
from django.http import JsonResponse

from ..errors import ApiError
from ..http import admin_only, authenticated, envelope, route
from ..models import Order, Refund
from ..services import provider
from ..validation import MAX_PRICE, integer
from .orders import find_order

REFUNDABLE = {Order.PAID, Order.FULFILLED, Order.DELIVERED, Order.PARTIALLY_REFUNDED}


def _payment_json(intent: dict, order: Order) -> dict:
    return {
        "payment": {
            "intentId": intent["id"],
            "clientSecret": intent["client_secret"],
            "amount": order.total,
            "currency": "eur",
        }
    }


def payment_key(order: Order) -> str:
    """The provider Idempotency-Key for paying ``order``: the same on every retry, and unique
    to this order even across databases (its creation time is part of it)."""
    return f"order-{order.id}-{order.created_at:%Y%m%d%H%M%S%f}-payment"


@authenticated
def _create(request, user, order_id):
    order = find_order(user, order_id, owner_only=True)
    if order.status != Order.PENDING:
        raise ApiError(409, "status", f"cannot pay an order that is {order.status}")
    if order.payment_intent_id:
        return JsonResponse(_payment_json(provider.get_intent(order.payment_intent_id), order))
    try:
        intent = provider.create_intent(order.total, order.id, payment_key(order))
    except provider.ProviderError as exc:
        raise ApiError(
            502, "payment", f"the provider refused: {exc.error.get('message')}"
        ) from None
    # Conditional: of two racing calls (which got the same intent thanks to the key), the
    # first write wins and the second changes nothing.
    Order.objects.filter(pk=order.pk, payment_intent_id__isnull=True).update(
        payment_intent_id=intent["id"], updated_at=Now()
    )
    return JsonResponse(_payment_json(intent, order), status=201)


@admin_only
def _refund(request, user, order_id):
    data = envelope(request, "refund")
    amount = data.get("amount")
    if amount is not None:
        amount = integer(amount, "amount", 1, MAX_PRICE * 10_000)
    with transaction.atomic():
        # Locked: two admins refunding at once cannot both claim the same remainder.
        order = find_order(user, order_id, lock=True)
        if order.status not in REFUNDABLE:
            if order.status == Order.REFUNDED:
                raise ApiError(422, "amount", "nothing is left to refund")
            raise ApiError(409, "status", f"cannot refund an order that is {order.status}")
        requested = (
            order.refunds.exclude(status=Refund.FAILED).aggregate(total=Sum("amount"))["total"] or 0
        )
        remaining = order.total - max(requested, order.refunded_amount)
        if amount is None:
            amount = remaining
        if amount <= 0 or remaining <= 0:
            raise ApiError(422, "amount", "nothing is left to refund")
        if amount > remaining:
            raise ApiError(422, "amount", f"is more than the {remaining} still refundable")
        refund = Refund.objects.create(order=order, amount=amount)
    try:
        key = f"refund-{refund.id}-{refund.created_at:%Y%m%d%H%M%S%f}"
        result = provider.create_refund(order.payment_intent_id, amount, key)
    except (ApiError, provider.ProviderError) as exc:
        # Not requested after all: it must not count against what is still refundable.
        Refund.objects.filter(pk=refund.pk).update(status=Refund.FAILED)
        message = exc.error.get("message") if isinstance(exc, provider.ProviderError) else exc
        raise ApiError(502, "refund", f"the provider refused: {message}") from None
    Refund.objects.filter(pk=refund.pk).update(provider_id=result.get("id"))
    return JsonResponse(
        {"refund": {"id": str(refund.id), "amount": amount, "status": "pending"}}, status=202
    )


create = route(POST=_create)
refund = route(POST=_refund)
