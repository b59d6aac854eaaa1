"""POST /webhooks/payments: the provider tells us what happened to a payment.

Delivery is at least once and in any order, so: verify the signature over the raw bytes,
record the event id (a duplicate conflicts and changes nothing), and only ever move an order
forwards. The event row and the order change commit together; if handling fails, neither
does and the non-2xx answer makes the provider retry.
"""

import json
import logging
from typing import Any

import psycopg
from fastapi import APIRouter, Request

from .. import orders
from ..dependencies import Config, Conn, Payments
from ..errors import ApiError
from ..payments import PaymentsClient, verify_signature
from ..schemas import Received
from .responses import errors

log = logging.getLogger("shop.webhooks")

router = APIRouter(tags=["webhooks"])

# Documented by hand: the body is read raw (the signature covers its exact bytes).
_EVENT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["id", "type", "data"],
                    "properties": {
                        "id": {"type": "string"},
                        "type": {"type": "string"},
                        "data": {"type": "object"},
                    },
                }
            }
        },
    },
    "parameters": [
        {
            "name": "Payments-Signature",
            "in": "header",
            "required": True,
            "schema": {"type": "string"},
            "description": "t=<unix time>,v1=<hex HMAC-SHA256 of '<t>.<raw body>'>",
        }
    ],
}


def _bad(message: str) -> ApiError:
    return ApiError(400, {"webhook": [message]})


@router.post(
    "/webhooks/payments",
    response_model=Received,
    responses=errors(400),
    openapi_extra=_EVENT_BODY,
)
async def receive(request: Request, conn: Conn, settings: Config, payments: Payments) -> dict:
    raw = await request.body()
    header = request.headers.get("Payments-Signature")
    if not verify_signature(settings.payments_webhook_secret, raw, header):
        raise _bad("signature is missing, invalid or stale")
    try:
        event = json.loads(raw)
        event_id, event_type, obj = event["id"], event["type"], event["data"]["object"]
    except (ValueError, KeyError, TypeError) as exc:
        raise _bad("is not an event") from exc
    if not (isinstance(event_id, str) and isinstance(event_type, str) and isinstance(obj, dict)):
        raise _bad("is not an event")
    async with conn.transaction():
        cur = await conn.execute(
            "INSERT INTO payment_events (id, type) VALUES (%s, %s) ON CONFLICT DO NOTHING"
            " RETURNING id",
            (event_id, event_type),
        )
        if await cur.fetchone() is None:
            return {"received": True}  # seen before: the first delivery did the work
        await _handle(conn, payments, event_type, obj)
    return {"received": True}


async def _handle(
    conn: psycopg.AsyncConnection, payments: PaymentsClient, event_type: str, obj: dict[str, Any]
) -> None:
    if event_type == "payment_intent.succeeded":
        await _succeeded(conn, payments, obj)
    elif event_type == "charge.refunded":
        await _refunded(conn, obj)
    # Other events (created, processing, payment_failed, canceled, refund.created) never
    # change an order: a failed payment leaves it pending and payable again.


async def _order_for_intent(conn: psycopg.AsyncConnection, intent_id: Any) -> dict[str, Any] | None:
    if not isinstance(intent_id, str):
        return None
    cur = await conn.execute(
        f"SELECT {orders.ORDER_COLUMNS} FROM orders WHERE payment_intent_id = %s FOR UPDATE",
        (intent_id,),
    )
    return await cur.fetchone()


async def _succeeded(
    conn: psycopg.AsyncConnection, payments: PaymentsClient, intent: dict[str, Any]
) -> None:
    order = await _order_for_intent(conn, intent.get("id"))
    if order is None:
        return  # not one of ours
    if intent.get("amount_received") != order["total"]:
        log.warning(
            "intent %s received %r for order total %s: ignored",
            intent.get("id"),
            intent.get("amount_received"),
            order["total"],
        )
        return
    if order["status"] == "pending":
        await orders.move(conn, order, "paid")
    elif order["status"] == "cancelled":
        # Paid after it was cancelled (a payment that settled late): give the money back.
        # Inside the transaction on purpose: if the provider fails, the event is not recorded,
        # the 5xx makes the provider retry, and the key makes the retry refund only once.
        key = f"order-{order['id']}-{order['payment_key']}-cancelled-refund"
        await payments.refund(intent["id"], order["total"], key)
    # Any later status already includes "paid": a late or repeated success changes nothing.


async def _refunded(conn: psycopg.AsyncConnection, charge: dict[str, Any]) -> None:
    order = await _order_for_intent(conn, charge.get("payment_intent"))
    refunded = charge.get("amount_refunded")
    if order is None or not isinstance(refunded, int) or isinstance(refunded, bool):
        return
    refunded = min(refunded, order["total"])
    if order["status"] == "pending" and charge.get("amount_captured") == order["total"]:
        # The refund overtook payment_intent.succeeded: a charge proves the payment.
        order = await orders.move(conn, order, "paid")
    if refunded <= order["refunded_amount"] or order["status"] not in orders.PAID_STATUSES:
        return  # an older refund event, or nothing we can refund
    wanted = "refunded" if refunded == order["total"] else "partially_refunded"
    if wanted == order["status"]:
        await conn.execute(
            "UPDATE orders SET refunded_amount = %s, updated_at = now() WHERE id = %s",
            (refunded, order["id"]),
        )
    else:
        await orders.move(conn, order, wanted, refunded_amount=refunded)
