"""The order state machine: every status change goes through ``move`` and is audited.

pending -> paid (webhook) -> fulfilled -> delivered; pending -> cancelled;
paid/fulfilled/delivered -> partially_refunded -> refunded (webhook).
There is no edge back, so a late or replayed event can never undo a newer state.
"""

from ..errors import ApiError
from ..models import Order, StatusChange

_REFUNDS = {Order.PARTIALLY_REFUNDED, Order.REFUNDED}
TRANSITIONS: dict[str, set[str]] = {
    Order.PENDING: {Order.PAID, Order.CANCELLED},
    Order.PAID: {Order.FULFILLED, *_REFUNDS},
    Order.FULFILLED: {Order.DELIVERED, *_REFUNDS},
    Order.DELIVERED: _REFUNDS,
    Order.PARTIALLY_REFUNDED: {Order.REFUNDED},
    Order.REFUNDED: set(),
    Order.CANCELLED: set(),
}
# Statuses an order has once its payment went through (the sales report counts these).
PAID_OR_LATER = [Order.PAID, Order.FULFILLED, Order.DELIVERED, *_REFUNDS]


def allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, set())


def move(order: Order, target: str) -> None:
    """Change ``order`` (locked by the caller's transaction) to ``target``, or answer 409."""
    if not allowed(order.status, target):
        raise ApiError(409, "status", f"cannot go from {order.status} to {target}")
    StatusChange.objects.create(order=order, from_status=order.status, to_status=target)
    order.status = target
    order.save(update_fields=["status", "refunded_amount", "updated_at"])


def record_creation(order: Order) -> None:
    """The first history entry: from nothing to pending."""
    StatusChange.objects.create(order=order, from_status=None, to_status=order.status)
