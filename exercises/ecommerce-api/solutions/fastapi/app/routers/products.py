"""The catalog: anyone reads it, admins change it."""

import hashlib
import json
from typing import Annotated, Any, Literal

import psycopg
from fastapi import APIRouter, Header, Query, Response

from ..db import BIGINT_MAX, iso, parse_id
from ..dependencies import AdminUser, Conn
from ..errors import ApiError, not_found
from ..schemas import CreateProductRequest, ProductList, ProductResponse, UpdateProductRequest
from .responses import errors

router = APIRouter(tags=["products"])

COLUMNS = "id, name, description, price, currency, stock, created_at, updated_at"
# Every sort ends with the id, so equal prices or names never swap places between pages.
SORTS = {
    "price": "price ASC, id ASC",
    "-price": "price DESC, id DESC",
    "name": "name ASC, id ASC",
    "-name": "name DESC, id DESC",
    "createdAt": "created_at ASC, id ASC",
    "-createdAt": "created_at DESC, id DESC",
}
Sort = Literal["price", "-price", "name", "-name", "createdAt", "-createdAt"]
MinorUnits = Annotated[int | None, Query(ge=0, le=BIGINT_MAX)]


def product_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "description": row["description"],
        "price": row["price"],
        "currency": row["currency"],
        "stock": row["stock"],
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
    }


def etag(product: dict[str, Any]) -> str:
    """A strong ETag from the representation itself: any visible change changes it."""
    digest = hashlib.sha256(json.dumps(product, sort_keys=True).encode()).hexdigest()
    return f'"{digest[:32]}"'


async def _find(conn: psycopg.AsyncConnection, raw_id: str) -> dict[str, Any]:
    cur = await conn.execute(f"SELECT {COLUMNS} FROM products WHERE id = %s", (parse_id(raw_id),))
    row = await cur.fetchone()
    if row is None:
        raise not_found("product")
    return row


@router.post(
    "/products", status_code=201, response_model=ProductResponse, responses=errors(401, 403, 422)
)
async def create_product(body: CreateProductRequest, conn: Conn, admin: AdminUser) -> dict:
    new = body.product
    cur = await conn.execute(
        f"INSERT INTO products (name, description, price, currency, stock)"
        f" VALUES (%s, %s, %s, %s, %s) RETURNING {COLUMNS}",
        (new.name, new.description, new.price, new.currency, new.stock),
    )
    return {"product": product_json(await cur.fetchone())}  # type: ignore[arg-type]


@router.get("/products", response_model=ProductList, responses=errors(422))
async def list_products(
    conn: Conn,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=BIGINT_MAX)] = 0,
    q: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$")] = None,
    min_price: Annotated[MinorUnits, Query(alias="minPrice")] = None,
    max_price: Annotated[MinorUnits, Query(alias="maxPrice")] = None,
    sort: Sort = "-createdAt",
) -> dict:
    where, params = ["TRUE"], []
    if q:
        # ILIKE with the wildcards in the search text escaped: "50%" means the characters.
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append("(name ILIKE %s OR description ILIKE %s)")
        params += [pattern, pattern]
    if min_price is not None:
        where.append("price >= %s")
        params.append(min_price)
    if max_price is not None:
        where.append("price <= %s")
        params.append(max_price)
    condition = " AND ".join(where)
    cur = await conn.execute(f"SELECT count(*) AS n FROM products WHERE {condition}", params)
    count = (await cur.fetchone())["n"]  # type: ignore[index]
    cur = await conn.execute(
        f"SELECT {COLUMNS} FROM products WHERE {condition} ORDER BY {SORTS[sort]}"
        " LIMIT %s OFFSET %s",
        [*params, limit, offset],
    )
    products = [product_json(row) for row in await cur.fetchall()]
    return {"products": products, "productsCount": count}


@router.get(
    "/products/{product_id}",
    response_model=ProductResponse,
    responses={**errors(404), 304: {"description": "Not modified (If-None-Match matched)"}},
)
async def get_product(
    product_id: str,
    conn: Conn,
    response: Response,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Any:
    product = product_json(await _find(conn, product_id))
    tag = etag(product)
    if if_none_match:
        # Weak comparison (RFC 9110 13.1.2): W/"x" matches "x".
        candidates = {part.strip().removeprefix("W/") for part in if_none_match.split(",")}
        if tag in candidates or "*" in candidates:
            return Response(status_code=304, headers={"ETag": tag})
    response.headers["ETag"] = tag
    return {"product": product}


@router.put(
    "/products/{product_id}",
    response_model=ProductResponse,
    responses=errors(401, 403, 404, 422),
)
async def update_product(
    product_id: str, body: UpdateProductRequest, conn: Conn, admin: AdminUser
) -> dict:
    changes = {name: getattr(body.product, name) for name in body.product.model_fields_set}
    row_id = parse_id(product_id)
    if not changes:
        return {"product": product_json(await _find(conn, product_id))}
    assignments = ", ".join(f"{name} = %({name})s" for name in changes)
    cur = await conn.execute(
        f"UPDATE products SET {assignments}, updated_at = now() WHERE id = %(id)s"
        f" RETURNING {COLUMNS}",
        {**changes, "id": row_id},
    )
    row = await cur.fetchone()
    if row is None:
        raise not_found("product")
    return {"product": product_json(row)}


@router.delete("/products/{product_id}", status_code=204, responses=errors(401, 403, 404))
async def delete_product(product_id: str, conn: Conn, admin: AdminUser) -> Response:
    cur = await conn.execute("DELETE FROM products WHERE id = %s", (parse_id(product_id),))
    if cur.rowcount == 0:
        raise ApiError(404, {"product": ["not found"]})
    return Response(status_code=204)
