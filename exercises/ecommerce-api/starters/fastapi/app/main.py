"""The Shop API.

Start it with `learnpath run`: it also starts PostgreSQL and the payment provider and sets the
variables.
By hand: set PORT and DATABASE_URL (see README.md), then
    python -m uvicorn app.main:app --host 127.0.0.1 --port $PORT
"""

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import db


@asynccontextmanager
async def lifespan(app: FastAPI):
    db.migrate()  # the schema exists before the first request
    db.pool.open()
    yield
    db.pool.close()  # uvicorn stops cleanly on SIGTERM and Ctrl-C, then runs this


app = FastAPI(title="Shop API", lifespan=lifespan)


@app.exception_handler(StarletteHTTPException)
async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Every error is JSON: {"errors": {"<field or thing>": ["<message>"]}}."""
    key = "route" if exc.status_code == 404 else "request"
    message = "not found" if exc.status_code == 404 else str(exc.detail)
    return JSONResponse({"errors": {key: [message]}}, status_code=exc.status_code)


# Stage health: answers "ok" once the schema exists (migrate() ran before the server listens).
@app.get("/api/health")
def health():
    with db.pool.connection() as conn:
        conn.execute("SELECT 1 FROM schema_migrations LIMIT 1")
    return {"status": "ok"}


# Every later route, with the stage that builds it. Each answers 501 until you write it:
# replace its entry here with a real handler when you reach that stage.
NOT_YET = [
    ("POST", "/api/users", "accounts"),
    ("POST", "/api/users/login", "accounts"),
    ("GET", "/api/user", "accounts"),
    ("GET", "/api/products", "catalog"),
    ("POST", "/api/products", "catalog"),
    ("GET", "/api/products/{product_id}", "catalog"),
    ("PUT", "/api/products/{product_id}", "catalog"),
    ("DELETE", "/api/products/{product_id}", "catalog"),
    ("GET", "/api/cart", "cart"),
    ("PUT", "/api/cart/items/{product_id}", "cart"),
    ("DELETE", "/api/cart/items/{product_id}", "cart"),
    ("POST", "/api/orders", "checkout"),
    ("GET", "/api/orders", "checkout"),
    ("GET", "/api/orders/{order_id}", "checkout"),
    ("POST", "/api/orders/{order_id}/payment", "payment"),
    ("POST", "/webhooks/payments", "webhooks"),
    ("POST", "/api/orders/{order_id}/cancel", "lifecycle"),
    ("POST", "/api/orders/{order_id}/fulfil", "lifecycle"),
    ("POST", "/api/orders/{order_id}/deliver", "lifecycle"),
    ("POST", "/api/orders/{order_id}/refunds", "refunds"),
    ("GET", "/api/orders/{order_id}/history", "audit"),
    ("GET", "/api/admin/reports/sales", "sales-report"),
]


def _not_implemented(method: str, path: str, stage: str):
    async def handler() -> JSONResponse:
        message = (
            f"{method} {path} is not implemented yet: stage {stage}, "
            "see STAGES.md or `learnpath stage`"
        )
        return JSONResponse({"errors": {"server": [message]}}, status_code=501)

    return handler


for method, path, stage in NOT_YET:
    app.add_api_route(
        path, _not_implemented(method, path, stage), methods=[method], name=f"{method} {path}"
    )
