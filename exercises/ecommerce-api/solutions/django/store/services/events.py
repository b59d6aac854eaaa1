"""Applying the provider's webhook events to orders.

Events arrive late, twice and out of order. Each handler locks the order, reads the event's
object (the provider's state right after the change) and only ever moves the order forward.
"""

import logging

from ..models import Order, Refund
from . import lifecycle

log = logging.getLogger("store")


def apply(event: dict) -> None:
    """Apply one verified, first-seen event (inside the caller's transaction)."""
    kind, obj = event["type"], event["data"]["object"]
    if kind == "payment_intent.succeeded":
        _succeeded(obj)
    elif kind == "charge.refunded":
        _refunded(obj)
    elif kind in ("refund.created", "refund.updated"):
        _refund_settled(obj)
    # payment_intent.created/processing/payment_failed/canceled: the order stays pending (and
    # payable again); nothing to record.


def _locked_order(intent_id: object, metadata: object) -> Order | None:
    """The order an intent pays for, locked; None for intents this shop did not create."""
    if not isinstance(intent_id, str):
        return None
    order = Order.objects.select_for_update().filter(payment_intent_id=intent_id).first()
    if order is None and isinstance(metadata, dict):
        # The webhook can beat our own write of the intent id to the order.
        order_id = str(metadata.get("order_id", ""))
        if order_id.isdigit():
            order = (
                Order.objects.select_for_update()
                .filter(pk=int(order_id), payment_intent_id__isnull=True)
                .first()
            )
            if order is not None:
                order.payment_intent_id = intent_id
                order.save(update_fields=["payment_intent_id", "updated_at"])
    return order


def _succeeded(intent: dict) -> None:
    order = _locked_order(intent.get("id"), intent.get("metadata"))
    if order is None:
        return
    if intent.get("amount_received") != order.total or intent.get("currency") != "eur":
        log.warning("order %s: payment of %r ignored", order.id, intent.get("amount_received"))
        return
    if lifecycle.allowed(order.status, Order.PAID):
        lifecycle.move(order, Order.PAID)
    elif order.status == Order.CANCELLED:
        log.warning("order %s was cancelled but its payment succeeded: refund it", order.id)


def _refunded(charge: dict) -> None:
    order = _locked_order(charge.get("payment_intent"), charge.get("metadata"))
    refunded = charge.get("amount_refunded")
    if order is None or isinstance(refunded, bool) or not isinstance(refunded, int):
        return
    if (
        order.status == Order.PENDING
        and charge.get("paid")
        and (charge.get("amount_captured") == order.total)
    ):
        # The refund overtook payment_intent.succeeded: the charge proves the payment.
        lifecycle.move(order, Order.PAID)
    # amount_refunded is cumulative: a smaller one is an older event, already superseded.
    if refunded <= order.refunded_amount:
        return
    target = Order.REFUNDED if refunded >= order.total else Order.PARTIALLY_REFUNDED
    if target != order.status and not lifecycle.allowed(order.status, target):
        return
    order.refunded_amount = min(refunded, order.total)
    if target == order.status:
        order.save(update_fields=["refunded_amount", "updated_at"])
    else:
        lifecycle.move(order, target)


def _refund_settled(refund: dict) -> None:
    status = refund.get("status")
    if isinstance(refund.get("id"), str) and status in (Refund.SUCCEEDED, Refund.FAILED):
        Refund.objects.filter(provider_id=refund["id"]).update(status=status)
