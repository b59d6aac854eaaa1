"""Orders: the state machine, the history it writes, and orders as API JSON."""

from typing import Any

import psycopg

from .db import iso
from .errors import bad_transition

# Every legal move. Anything else (above all, backwards) is refused.
TRANSITIONS: dict[str, set[str]] = {
    "pending": {"paid", "cancelled"},
    "paid": {"fulfilled", "partially_refunded", "refunded"},
    "fulfilled": {"delivered", "partially_refunded", "refunded"},
    "delivered": {"partially_refunded", "refunded"},
    "partially_refunded": {"refunded"},
    "cancelled": set(),
    "refunded": set(),
}
# Statuses of an order that has been paid (the sales report counts these).
PAID_STATUSES = ("paid", "fulfilled", "delivered", "partially_refunded", "refunded")

ORDER_COLUMNS = (
    "id, user_id, status, total, refunded_amount, currency, payment_key, payment_intent_id,"
    " client_secret, created_at, updated_at"
)


def can_move(current: str, wanted: str) -> bool:
    return wanted in TRANSITIONS[current]


async def record_creation(conn: psycopg.AsyncConnection, order_id: int) -> None:
    await conn.execute(
        "INSERT INTO order_history (order_id, from_status, to_status) VALUES (%s, NULL, 'pending')",
        (order_id,),
    )


async def move(
    conn: psycopg.AsyncConnection, order: dict[str, Any], wanted: str, **columns: Any
) -> dict[str, Any]:
    """Move a locked order (selected FOR UPDATE) to ``wanted`` and write its history.

    Raises a 409 when the move is illegal; ``columns`` are further columns to set with it.
    """
    current = order["status"]
    if not can_move(current, wanted):
        raise bad_transition(current, wanted)
    assignments = "".join(f", {name} = %({name})s" for name in columns)
    cur = await conn.execute(
        f"UPDATE orders SET status = %(status)s, updated_at = now(){assignments}"
        f" WHERE id = %(id)s RETURNING {ORDER_COLUMNS}",
        {"status": wanted, "id": order["id"], **columns},
    )
    await conn.execute(
        "INSERT INTO order_history (order_id, from_status, to_status) VALUES (%s, %s, %s)",
        (order["id"], current, wanted),
    )
    updated = await cur.fetchone()
    assert updated is not None
    return updated


async def find(
    conn: psycopg.AsyncConnection, order_id: int | None, *, lock: bool = False
) -> dict[str, Any] | None:
    if order_id is None:
        return None
    cur = await conn.execute(
        f"SELECT {ORDER_COLUMNS} FROM orders WHERE id = %s" + (" FOR UPDATE" if lock else ""),
        (order_id,),
    )
    return await cur.fetchone()


async def to_json(conn: psycopg.AsyncConnection, orders: list[dict[str, Any]]) -> list[dict]:
    """Orders as API JSON; the lines of every order come from one query."""
    ids = [order["id"] for order in orders]
    lines: dict[int, list[dict[str, Any]]] = {order_id: [] for order_id in ids}
    if ids:
        cur = await conn.execute(
            "SELECT order_id, product_id, name, unit_price, quantity FROM order_items"
            " WHERE order_id = ANY(%s) ORDER BY order_id, position",
            (ids,),
        )
        for row in await cur.fetchall():
            lines[row["order_id"]].append(
                {
                    "productId": str(row["product_id"]),
                    "name": row["name"],
                    "unitPrice": row["unit_price"],
                    "quantity": row["quantity"],
                    "lineTotal": row["unit_price"] * row["quantity"],
                }
            )
    return [
        {
            "id": str(order["id"]),
            "status": order["status"],
            "items": lines[order["id"]],
            "total": order["total"],
            "refundedAmount": order["refunded_amount"],
            "currency": order["currency"],
            "paymentIntentId": order["payment_intent_id"],
            "createdAt": iso(order["created_at"]),
            "updatedAt": iso(order["updated_at"]),
        }
        for order in orders
    ]


async def one_to_json(conn: psycopg.AsyncConnection, order: dict[str, Any]) -> dict[str, Any]:
    return (await to_json(conn, [order]))[0]
