"""One cart per user: its lines re-priced from the catalog on every view."""

import psycopg
from fastapi import APIRouter

from ..db import parse_id
from ..dependencies import Conn, CurrentUser
from ..errors import ApiError, not_found
from ..schemas import CartItemRequest, CartResponse
from .responses import errors

router = APIRouter(tags=["cart"])


async def cart_json(conn: psycopg.AsyncConnection, user_id: int) -> dict:
    cur = await conn.execute(
        "SELECT p.id, p.name, p.price, c.quantity FROM cart_items c"
        " JOIN products p ON p.id = c.product_id WHERE c.user_id = %s ORDER BY c.position",
        (user_id,),
    )
    items = [
        {
            "productId": str(row["id"]),
            "name": row["name"],
            "unitPrice": row["price"],
            "quantity": row["quantity"],
            "lineTotal": row["price"] * row["quantity"],
        }
        for row in await cur.fetchall()
    ]
    total = sum(item["lineTotal"] for item in items)
    return {"cart": {"items": items, "total": total, "currency": "EUR"}}


@router.get("/cart", response_model=CartResponse, responses=errors(401))
async def get_cart(conn: Conn, user: CurrentUser) -> dict:
    return await cart_json(conn, user.id)


@router.put(
    "/cart/items/{product_id}", response_model=CartResponse, responses=errors(401, 404, 422)
)
async def set_item(product_id: str, body: CartItemRequest, conn: Conn, user: CurrentUser) -> dict:
    cur = await conn.execute(
        "SELECT id, stock FROM products WHERE id = %s", (parse_id(product_id),)
    )
    product = await cur.fetchone()
    if product is None:
        raise not_found("product")
    # A friendly early answer only: checkout re-checks stock under a row lock.
    if body.quantity > product["stock"]:
        raise ApiError(422, {"quantity": [f"is more than the stock ({product['stock']})"]})
    # One row per (user, product), so concurrent PUTs of different products never collide;
    # an existing line keeps its place in the cart.
    try:
        await conn.execute(
            "INSERT INTO cart_items (user_id, product_id, quantity) VALUES (%s, %s, %s)"
            " ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = EXCLUDED.quantity",
            (user.id, product["id"], body.quantity),
        )
    except psycopg.errors.ForeignKeyViolation as exc:  # deleted since we looked
        raise not_found("product") from exc
    return await cart_json(conn, user.id)


@router.delete("/cart/items/{product_id}", response_model=CartResponse, responses=errors(401, 404))
async def remove_item(product_id: str, conn: Conn, user: CurrentUser) -> dict:
    cur = await conn.execute(
        "DELETE FROM cart_items WHERE user_id = %s AND product_id = %s",
        (user.id, parse_id(product_id)),
    )
    if cur.rowcount == 0:
        raise not_found("item")
    return await cart_json(conn, user.id)
