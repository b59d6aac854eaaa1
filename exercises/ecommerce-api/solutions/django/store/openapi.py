"""The OpenAPI 3.1 description of this API, served at /openapi.json.

Built from small helpers rather than kept as a 1,000-line JSON file, so a route and its
documentation differ by a few lines of Python. Every operation lists its success answers and a
``default`` error answer: whatever status an error has, its body is the Errors schema.
"""

import functools

from .validation import MAX_PRICE, MAX_STOCK

STATUSES = [
    "pending",
    "paid",
    "fulfilled",
    "delivered",
    "cancelled",
    "partially_refunded",
    "refunded",
]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: list[str], **props) -> dict:
    return {"type": "object", "required": required, "properties": props}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _wrapped(key: str, name: str) -> dict:
    return _obj([key], **{key: _ref(name)})


def _op(
    summary: str,
    responses: dict,
    *,
    auth: bool = False,
    body: dict | None = None,
    params: list | None = None,
) -> dict:
    operation: dict = {
        "summary": summary,
        "responses": {**responses, "default": _json(_ref("Errors"), "An error")},
    }
    if auth:
        operation["security"] = [{"token": []}]
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    if params:
        operation["parameters"] = params
    return operation


def _path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema}


INT = {"type": "integer"}
TIME = {"type": "string", "format": "date-time"}
LINE = _obj(
    ["productId", "name", "unitPrice", "quantity", "lineTotal"],
    productId={"type": "string"},
    name={"type": "string"},
    unitPrice=INT,
    quantity=INT,
    lineTotal=INT,
)
SCHEMAS = {
    "Errors": _obj(
        ["errors"],
        errors={
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    ),
    "User": _obj(
        ["email", "username", "role", "token"],
        email={"type": "string"},
        username={"type": "string"},
        role={"type": "string", "enum": ["customer", "admin"]},
        token={"type": "string"},
    ),
    "Product": _obj(
        ["id", "name", "description", "price", "currency", "stock", "createdAt", "updatedAt"],
        id={"type": "string"},
        name={"type": "string"},
        description={"type": "string"},
        price=INT,
        currency={"type": "string", "enum": ["EUR"]},
        stock=INT,
        createdAt=TIME,
        updatedAt=TIME,
    ),
    "ProductInput": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"},
            "description": {"type": "string", "maxLength": 5000},
            "price": {"type": "integer", "minimum": 1, "maximum": MAX_PRICE},
            "currency": {"type": "string", "enum": ["EUR"]},
            "stock": {"type": "integer", "minimum": 0, "maximum": MAX_STOCK},
        },
    },
    "Cart": _obj(
        ["items", "total", "currency"],
        items={"type": "array", "items": LINE},
        total=INT,
        currency={"type": "string", "enum": ["EUR"]},
    ),
    "Order": _obj(
        [
            "id",
            "status",
            "items",
            "total",
            "refundedAmount",
            "currency",
            "paymentIntentId",
            "createdAt",
            "updatedAt",
        ],
        id={"type": "string"},
        status={"type": "string", "enum": STATUSES},
        items={"type": "array", "items": LINE},
        total=INT,
        refundedAmount=INT,
        currency={"type": "string", "enum": ["EUR"]},
        paymentIntentId={"type": ["string", "null"]},
        createdAt=TIME,
        updatedAt=TIME,
    ),
    "Payment": _obj(
        ["intentId", "clientSecret", "amount", "currency"],
        intentId={"type": "string"},
        clientSecret={"type": "string"},
        amount=INT,
        currency={"type": "string", "enum": ["eur"]},
    ),
    "Refund": _obj(
        ["id", "amount", "status"],
        id={"type": "string"},
        amount=INT,
        status={"type": "string"},
    ),
}
_CREDENTIALS = {"type": "string", "minLength": 1}


def _paths() -> dict:
    order_id = [_path_param("orderId")]
    product_id = [_path_param("productId")]
    order_answer = _json(_wrapped("order", "Order"))
    user_answer = _wrapped("user", "User")
    return {
        "/api/health": {
            "get": _op("Health", {"200": _json(_obj(["status"], status={"type": "string"}))})
        },
        "/api/users": {
            "post": _op(
                "Sign up",
                {"201": _json(user_answer, "Created")},
                body=_obj(
                    ["user"],
                    user=_obj(
                        ["email", "username", "password"],
                        email=_CREDENTIALS,
                        username=_CREDENTIALS,
                        password={"type": "string", "minLength": 8},
                    ),
                ),
            )
        },
        "/api/users/login": {
            "post": _op(
                "Log in",
                {"200": _json(user_answer)},
                body=_obj(
                    ["user"],
                    user=_obj(["email", "password"], email=_CREDENTIALS, password=_CREDENTIALS),
                ),
            )
        },
        "/api/user": {"get": _op("The current user", {"200": _json(user_answer)}, auth=True)},
        "/api/products": {
            "get": _op(
                "List products",
                {
                    "200": _json(
                        _obj(
                            ["products", "productsCount"],
                            products={"type": "array", "items": _ref("Product")},
                            productsCount=INT,
                        )
                    )
                },
                params=[
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
                    _query("offset", {"type": "integer", "minimum": 0, "maximum": 10**9}),
                    _query("q", {"type": "string"}),
                    _query("minPrice", {"type": "integer", "minimum": 0}),
                    _query("maxPrice", {"type": "integer", "minimum": 0}),
                    _query(
                        "sort",
                        {
                            "type": "string",
                            "enum": ["price", "-price", "name", "-name", "createdAt", "-createdAt"],
                        },
                    ),
                ],
            ),
            "post": _op(
                "Create a product (admin)",
                {"201": _json(_wrapped("product", "Product"), "Created")},
                auth=True,
                body=_obj(
                    ["product"],
                    product={**SCHEMAS["ProductInput"], "required": ["name", "price", "stock"]},
                ),
            ),
        },
        "/api/products/{productId}": {
            "get": _op(
                "One product, with an ETag",
                {
                    "200": _json(_wrapped("product", "Product")),
                    "304": {"description": "Not modified (If-None-Match matched)"},
                },
                params=[
                    *product_id,
                    {
                        "name": "If-None-Match",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string"},
                    },
                ],
            ),
            "put": _op(
                "Update a product (admin)",
                {"200": _json(_wrapped("product", "Product"))},
                auth=True,
                params=product_id,
                body=_obj(["product"], product=_ref("ProductInput")),
            ),
            "delete": _op(
                "Delete a product (admin)",
                {"204": {"description": "Deleted"}},
                auth=True,
                params=product_id,
            ),
        },
        "/api/cart": {"get": _op("The cart", {"200": _json(_wrapped("cart", "Cart"))}, auth=True)},
        "/api/cart/items/{productId}": {
            "put": _op(
                "Set a product's quantity",
                {"200": _json(_wrapped("cart", "Cart"))},
                auth=True,
                params=product_id,
                body=_obj(["quantity"], quantity={"type": "integer", "minimum": 1}),
            ),
            "delete": _op(
                "Remove a product",
                {"200": _json(_wrapped("cart", "Cart"))},
                auth=True,
                params=product_id,
            ),
        },
        "/api/orders": {
            "get": _op(
                "Your orders, newest first",
                {
                    "200": _json(
                        _obj(
                            ["orders", "ordersCount"],
                            orders={"type": "array", "items": _ref("Order")},
                            ordersCount=INT,
                        )
                    )
                },
                auth=True,
            ),
            "post": _op(
                "Check out the cart",
                {"201": _json(_wrapped("order", "Order"), "Created (or replayed)")},
                auth=True,
                params=[
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                    }
                ],
                body={"type": "object"},
            ),
        },
        "/api/orders/{orderId}": {
            "get": _op("One order", {"200": order_answer}, auth=True, params=order_id)
        },
        "/api/orders/{orderId}/history": {
            "get": _op(
                "The order's status changes, oldest first",
                {
                    "200": _json(
                        _obj(
                            ["history"],
                            history={
                                "type": "array",
                                "items": _obj(
                                    ["from", "to", "at"],
                                    **{
                                        "from": {"type": ["string", "null"]},
                                        "to": {"type": "string"},
                                        "at": TIME,
                                    },
                                ),
                            },
                        )
                    )
                },
                auth=True,
                params=order_id,
            )
        },
        **{
            f"/api/orders/{{orderId}}/{action}": {
                "post": _op(summary, {"200": order_answer}, auth=True, params=order_id)
            }
            for action, summary in [
                ("cancel", "Cancel a pending order"),
                ("fulfil", "Mark a paid order fulfilled (admin)"),
                ("deliver", "Mark a fulfilled order delivered (admin)"),
            ]
        },
        "/api/orders/{orderId}/payment": {
            "post": _op(
                "Create (or fetch) the order's payment intent",
                {
                    "200": _json(_wrapped("payment", "Payment")),
                    "201": _json(_wrapped("payment", "Payment"), "Created"),
                },
                auth=True,
                params=order_id,
            )
        },
        "/api/orders/{orderId}/refunds": {
            "post": _op(
                "Refund all or part of a paid order (admin)",
                {"202": _json(_wrapped("refund", "Refund"), "Requested")},
                auth=True,
                params=order_id,
                body=_obj([], refund=_obj([], amount={"type": "integer", "minimum": 1})),
            )
        },
        "/api/admin/reports/sales": {
            "get": _op(
                "Paid orders and revenue per UTC day (admin)",
                {
                    "200": _json(
                        _obj(
                            ["days"],
                            days={
                                "type": "array",
                                "items": _obj(
                                    ["date", "orders", "revenue"],
                                    date={"type": "string", "format": "date"},
                                    orders=INT,
                                    revenue=INT,
                                ),
                            },
                        )
                    )
                },
                auth=True,
                params=[
                    {
                        "name": "from",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "format": "date"},
                    },
                    {
                        "name": "to",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "format": "date"},
                    },
                ],
            )
        },
        "/webhooks/payments": {
            "post": _op(
                "The payment provider's signed events",
                {"200": _json(_obj(["received"], received={"type": "boolean"}))},
                params=[
                    {
                        "name": "Payments-Signature",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                body={"type": "object"},
            )
        },
    }


@functools.cache
def document() -> dict:
    """The whole document (built once per process)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Shop API", "version": "1.0.0"},
        "paths": _paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "Token <jwt>",
                }
            },
        },
    }
