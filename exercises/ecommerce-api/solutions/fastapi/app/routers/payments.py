"""Paying for an order (a PaymentIntent at the provider) and refunding it."""

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from .. import orders
from ..db import parse_id
from ..dependencies import AdminUser, Conn, CurrentUser, Payments
from ..errors import ApiError, not_found
from ..schemas import PaymentResponse, RefundRequest, RefundResponse
from .responses import errors

router = APIRouter(tags=["payments"])


def _payment_json(intent_id: str, client_secret: str, amount: int) -> dict[str, Any]:
    return {
        "payment": {
            "intentId": intent_id,
            "clientSecret": client_secret,
            "amount": amount,
            "currency": "eur",
        }
    }


@router.post(
    "/orders/{order_id}/payment",
    status_code=201,
    response_model=PaymentResponse,
    responses={
        **errors(401, 404, 409, 502),
        200: {"model": PaymentResponse, "description": "The order's existing intent"},
    },
)
async def pay(order_id: str, conn: Conn, user: CurrentUser, payments: Payments) -> Any:
    order = await orders.find(conn, parse_id(order_id))
    if order is None or order["user_id"] != user.id:
        raise not_found("order")
    if order["status"] != "pending":
        raise ApiError(409, {"status": [f"cannot pay an order that is {order['status']}"]})
    if order["payment_intent_id"]:
        # Paying again (say, after a declined card) reuses the intent: one order, one intent.
        payment = _payment_json(order["payment_intent_id"], order["client_secret"], order["total"])
        return JSONResponse(payment, status_code=200)
    # No lock is held across this call: the key is derived from the order, so concurrent or
    # retried calls get the one intent the provider made for the first of them.
    key = f"order-{order['id']}-{order['payment_key']}-payment"
    intent = await payments.create_intent(order["id"], order["total"], key)
    await conn.execute(
        "UPDATE orders SET payment_intent_id = %s, client_secret = %s, updated_at = now()"
        " WHERE id = %s AND payment_intent_id IS NULL",
        (intent["id"], intent["client_secret"], order["id"]),
    )
    return _payment_json(intent["id"], intent["client_secret"], order["total"])


@router.post(
    "/orders/{order_id}/refunds",
    status_code=202,
    response_model=RefundResponse,
    responses=errors(401, 403, 404, 409, 422, 502),
)
async def refund(
    order_id: str,
    conn: Conn,
    admin: AdminUser,
    payments: Payments,
    body: Annotated[RefundRequest | None, Body()] = None,
) -> dict:
    wanted = body.refund.amount if body else None
    async with conn.transaction():
        # The lock serialises refunds of one order, so two cannot both take the last euro.
        order = await orders.find(conn, parse_id(order_id), lock=True)
        if order is None:
            raise not_found("order")
        if order["status"] not in orders.PAID_STATUSES or not order["payment_intent_id"]:
            raise ApiError(409, {"status": [f"cannot refund an order that is {order['status']}"]})
        cur = await conn.execute(
            "SELECT coalesce(sum(amount), 0)::bigint AS requested FROM refunds"
            " WHERE order_id = %s AND status <> 'failed'",
            (order["id"],),
        )
        requested = (await cur.fetchone())["requested"]  # type: ignore[index]
        # What the provider confirmed and what we asked for but it has not confirmed yet.
        refundable = order["total"] - max(requested, order["refunded_amount"])
        amount = refundable if wanted is None else wanted
        if amount <= 0 or amount > refundable:
            raise ApiError(
                422,
                {"amount": [f"must be between 1 and {max(refundable, 0)}, what is left to refund"]},
            )
        cur = await conn.execute(
            "INSERT INTO refunds (order_id, amount) VALUES (%s, %s) RETURNING id",
            (order["id"], amount),
        )
        refund_id = (await cur.fetchone())["id"]  # type: ignore[index]
    # The amount is reserved (committed) before the provider is called, so a retry or a
    # concurrent request cannot refund it twice; the provider's own key guards the call.
    key = f"refund-{refund_id}-{order['payment_key']}"
    try:
        made = await payments.refund(order["payment_intent_id"], amount, key)
    except ApiError:
        await conn.execute("UPDATE refunds SET status = 'failed' WHERE id = %s", (refund_id,))
        raise
    await conn.execute(
        "UPDATE refunds SET provider_refund_id = %s WHERE id = %s", (made["id"], refund_id)
    )
    # "pending" until charge.refunded arrives: the webhook is the source of truth.
    return {"refund": {"id": str(refund_id), "amount": amount, "status": "pending"}}
