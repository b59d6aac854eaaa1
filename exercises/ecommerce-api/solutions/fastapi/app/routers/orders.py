"""Checkout, the customer's orders, cancelling, and the admin's fulfil/deliver steps."""

import hashlib
import json
from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Body, Header
from fastapi.responses import JSONResponse
from psycopg.types.json import Json

from .. import orders
from ..db import BIGINT_MAX, iso, parse_id
from ..dependencies import AdminUser, Conn, CurrentUser, Payments
from ..errors import ApiError, not_found
from ..schemas import HistoryResponse, OrderList, OrderResponse
from .responses import errors

router = APIRouter(tags=["orders"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="Retry a checkout safely: the same key and body answer the first order again.",
    ),
]


def _fingerprint(body: dict[str, Any] | None) -> str:
    canonical = json.dumps(body or {}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def visible_order(
    conn: psycopg.AsyncConnection, raw_id: str, user: Any, *, lock: bool = False
) -> dict[str, Any]:
    """The order if ``user`` owns it or is an admin; 404 otherwise (never reveal it exists)."""
    order = await orders.find(conn, parse_id(raw_id), lock=lock)
    if order is None or (order["user_id"] != user.id and not user.is_admin):
        raise not_found("order")
    return order


async def _claim_key(
    conn: psycopg.AsyncConnection, user_id: int, key: str, fingerprint: str
) -> JSONResponse | None:
    """Claim ``key`` for this request, or the stored answer of the request that claimed it.

    The primary key (user_id, key) decides a race: the second INSERT waits for the first
    transaction, then either conflicts (and replays its answer) or, if it rolled back, wins.
    """
    cur = await conn.execute(
        "INSERT INTO idempotency_keys (user_id, key, fingerprint) VALUES (%s, %s, %s)"
        " ON CONFLICT DO NOTHING RETURNING key",
        (user_id, key, fingerprint),
    )
    if await cur.fetchone() is not None:
        return None
    cur = await conn.execute(
        "SELECT fingerprint, status_code, response FROM idempotency_keys"
        " WHERE user_id = %s AND key = %s",
        (user_id, key),
    )
    stored = await cur.fetchone()
    assert stored is not None
    if stored["fingerprint"] != fingerprint:
        raise ApiError(422, {"idempotencyKey": ["was used with a different request"]})
    return JSONResponse(
        stored["response"],
        status_code=stored["status_code"],
        headers={"Idempotent-Replayed": "true"},
    )


async def _place_order(conn: psycopg.AsyncConnection, user_id: int) -> dict[str, Any]:
    """Reserve stock and turn the cart into an order; runs inside the caller's transaction."""
    # Lock the cart lines and their products in product id order, so two checkouts that
    # share products always lock them in the same order and cannot deadlock.
    cur = await conn.execute(
        "SELECT c.product_id, c.quantity, c.position, p.name, p.price, p.stock"
        " FROM cart_items c JOIN products p ON p.id = c.product_id"
        " WHERE c.user_id = %s ORDER BY p.id FOR UPDATE",
        (user_id,),
    )
    lines = await cur.fetchall()
    if not lines:
        raise ApiError(422, {"cart": ["is empty"]})
    short = [
        f"only {line['stock']} of {line['name']} left"
        for line in lines
        if line["quantity"] > line["stock"]
    ]
    if short:
        raise ApiError(409, {"stock": short})
    total = sum(line["price"] * line["quantity"] for line in lines)
    if total > BIGINT_MAX:
        raise ApiError(422, {"total": ["is too large for one order"]})
    await cur.executemany(
        "UPDATE products SET stock = stock - %s, updated_at = now() WHERE id = %s",
        [(line["quantity"], line["product_id"]) for line in lines],
    )
    cur = await conn.execute(
        f"INSERT INTO orders (user_id, status, total) VALUES (%s, 'pending', %s)"
        f" RETURNING {orders.ORDER_COLUMNS}",
        (user_id, total),
    )
    order = await cur.fetchone()
    assert order is not None
    lines.sort(key=lambda line: line["position"])  # the order shows the cart's order
    await cur.executemany(
        "INSERT INTO order_items (order_id, position, product_id, name, unit_price, quantity)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        [
            (order["id"], i, line["product_id"], line["name"], line["price"], line["quantity"])
            for i, line in enumerate(lines)
        ],
    )
    await orders.record_creation(conn, order["id"])
    await conn.execute("DELETE FROM cart_items WHERE user_id = %s", (user_id,))
    return order


@router.post(
    "/orders", status_code=201, response_model=OrderResponse, responses=errors(401, 409, 422)
)
async def checkout(
    conn: Conn,
    user: CurrentUser,
    idempotency_key: IdempotencyKey = None,
    body: Annotated[
        dict[str, Any] | None, Body(description="Ignored: orders come from the cart")
    ] = None,
) -> Any:
    # One transaction: the key, the stock, the order and the emptied cart commit together,
    # and any error (409 stock, 422 empty cart) undoes all of it, the key included.
    async with conn.transaction():
        if idempotency_key is not None:
            replay = await _claim_key(conn, user.id, idempotency_key, _fingerprint(body))
            if replay is not None:
                return replay
        answer = {"order": await orders.one_to_json(conn, await _place_order(conn, user.id))}
        if idempotency_key is not None:
            await conn.execute(
                "UPDATE idempotency_keys SET status_code = 201, response = %s"
                " WHERE user_id = %s AND key = %s",
                (Json(answer), user.id, idempotency_key),
            )
    return JSONResponse(answer, status_code=201)


@router.get("/orders", response_model=OrderList, responses=errors(401))
async def list_orders(conn: Conn, user: CurrentUser) -> dict:
    cur = await conn.execute(
        f"SELECT {orders.ORDER_COLUMNS} FROM orders WHERE user_id = %s ORDER BY id DESC",
        (user.id,),
    )
    rows = await cur.fetchall()
    return {"orders": await orders.to_json(conn, rows), "ordersCount": len(rows)}


@router.get("/orders/{order_id}", response_model=OrderResponse, responses=errors(401, 404))
async def get_order(order_id: str, conn: Conn, user: CurrentUser) -> dict:
    return {"order": await orders.one_to_json(conn, await visible_order(conn, order_id, user))}


@router.get(
    "/orders/{order_id}/history", response_model=HistoryResponse, responses=errors(401, 404)
)
async def order_history(order_id: str, conn: Conn, user: CurrentUser) -> dict:
    order = await visible_order(conn, order_id, user)
    cur = await conn.execute(
        "SELECT from_status, to_status, at FROM order_history WHERE order_id = %s ORDER BY id",
        (order["id"],),
    )
    history = [
        {"from": row["from_status"], "to": row["to_status"], "at": iso(row["at"])}
        for row in await cur.fetchall()
    ]
    return {"history": history}


@router.post(
    "/orders/{order_id}/cancel", response_model=OrderResponse, responses=errors(401, 404, 409)
)
async def cancel(order_id: str, conn: Conn, user: CurrentUser, payments: Payments) -> dict:
    async with conn.transaction():
        order = await visible_order(conn, order_id, user, lock=True)
        order = await orders.move(conn, order, "cancelled")
        # Give the reserved stock back (products deleted since are simply skipped).
        await conn.execute(
            "UPDATE products p SET stock = p.stock + i.quantity, updated_at = now()"
            " FROM order_items i WHERE i.order_id = %s AND p.id = i.product_id",
            (order["id"],),
        )
    if order["payment_intent_id"]:
        # After commit, best effort: an intent that can no longer be paid is tidier, but an
        # order is cancelled whatever the provider says.
        key = f"order-{order['id']}-{order['payment_key']}-cancel"
        await payments.cancel_intent(order["payment_intent_id"], key)
    return {"order": await orders.one_to_json(conn, order)}


async def _admin_move(
    conn: psycopg.AsyncConnection, order_id: str, admin: Any, wanted: str
) -> dict:
    async with conn.transaction():
        order = await visible_order(conn, order_id, admin, lock=True)
        order = await orders.move(conn, order, wanted)
    return {"order": await orders.one_to_json(conn, order)}


@router.post(
    "/orders/{order_id}/fulfil",
    response_model=OrderResponse,
    responses=errors(401, 403, 404, 409),
)
async def fulfil(order_id: str, conn: Conn, admin: AdminUser) -> dict:
    return await _admin_move(conn, order_id, admin, "fulfilled")


@router.post(
    "/orders/{order_id}/deliver",
    response_model=OrderResponse,
    responses=errors(401, 403, 404, 409),
)
async def deliver(order_id: str, conn: Conn, admin: AdminUser) -> dict:
    return await _admin_move(conn, order_id, admin, "delivered")
