"""Stage 5: turn a cart into an order, once, even when the request is retried or raced."""

import hashlib
import json

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Now

from .. import serializers
from ..errors import ApiError
from ..models import CartItem, IdempotencyKey, Order, OrderItem, Product, User
from . import lifecycle


class _KeyTaken(Exception):
    """Another request holds (or held) this idempotency key."""


def fingerprint(request_body: dict) -> str:
    """The request's identity: its JSON with keys sorted, so spacing and order do not matter."""
    canonical = json.dumps(request_body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def checkout(user: User, request_body: dict, key: str | None) -> tuple[int, dict]:
    """(status, body) for POST /api/orders.

    With a key, the key's row is inserted in the same transaction as the order: a concurrent
    request with the same key blocks on the unique index until this one commits, then fails
    and replays the stored answer. A failed checkout rolls the key back with everything else,
    so the client can retry it.
    """
    digest = fingerprint(request_body)
    if key is not None:
        stored = IdempotencyKey.objects.filter(user=user, key=key).first()
        if stored is not None:
            return _replay(stored, digest)
    try:
        with transaction.atomic():
            claim = None
            if key is not None:
                try:
                    with transaction.atomic():
                        claim = IdempotencyKey.objects.create(
                            user=user, key=key, fingerprint=digest, status=0, response={}
                        )
                except IntegrityError:
                    raise _KeyTaken from None
            answer = {"order": serializers.order(_place_order(user))}
            if claim is not None:
                claim.status, claim.response = 201, answer
                claim.save(update_fields=["status", "response"])
    except _KeyTaken:
        return _replay(IdempotencyKey.objects.get(user=user, key=key), digest)
    return 201, answer


def _replay(stored: IdempotencyKey, digest: str) -> tuple[int, dict]:
    if stored.fingerprint != digest:
        raise ApiError(422, "idempotencyKey", "was used with a different request")
    return stored.status, stored.response


def _place_order(user: User) -> Order:
    """Reserve stock, create the order, empty the cart: the caller's one transaction.

    Each decrement is a conditional UPDATE (stock >= quantity): the database checks and writes
    in one step, so fifty racing checkouts cannot sell more than there is. Products are
    updated in id order so two carts never lock the same rows in opposite orders (deadlock).
    """
    # FOR UPDATE: a second checkout of this cart waits, then finds it empty.
    lines = list(
        CartItem.objects.select_for_update()
        .filter(user=user)
        .select_related("product")
        .order_by("id")
    )
    if not lines:
        raise ApiError(422, "cart", "is empty")
    for line in sorted(lines, key=lambda line: line.product_id):
        reserved = Product.objects.filter(pk=line.product_id, stock__gte=line.quantity).update(
            stock=F("stock") - line.quantity, updated_at=Now()
        )
        if not reserved:
            raise ApiError(409, "stock", f"not enough stock for {line.product.name}")
    order = Order.objects.create(
        user=user, total=sum(line.product.price * line.quantity for line in lines)
    )
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            product_id=line.product_id,
            name=line.product.name,
            unit_price=line.product.price,
            quantity=line.quantity,
            line_total=line.product.price * line.quantity,
        )
        for line in lines
    )
    lifecycle.record_creation(order)
    CartItem.objects.filter(pk__in=[line.pk for line in lines]).delete()
    return order


def release_stock(order: Order) -> None:
    """Put a cancelled order's units back (products deleted since are skipped)."""
    for line in sorted(order.items.all(), key=lambda line: line.product_id):
        Product.objects.filter(pk=line.product_id).update(
            stock=F("stock") + line.quantity, updated_at=Now()
        )
