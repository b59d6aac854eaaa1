"""Application factory: settings, migrations, the admin, the pool, routers, errors, OpenAPI.

Run it: python -m uvicorn app.main:app --host 127.0.0.1 --port $PORT
uvicorn turns SIGTERM into a graceful shutdown: requests in flight finish, then the lifespan
below closes the provider client and the pool.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from psycopg.rows import dict_row

from .config import Settings
from .db import apply_migrations, open_pool
from .errors import install_error_handlers
from .payments import PaymentsClient
from .routers import cart, health, orders, payments, products, reports, users, webhooks
from .security import hash_password, verify_password

log = logging.getLogger("shop")

ADMIN_EMAIL = "admin@shop.test"


def seed_admin(database_url: str, password: str) -> None:
    """Create the admin, or give it $ADMIN_PASSWORD again; a restart never duplicates it."""
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
        row = conn.execute(
            "SELECT id, password_hash FROM users WHERE lower(email) = %s", (ADMIN_EMAIL,)
        ).fetchone()
        if row is None:
            conn.execute(
                "INSERT INTO users (email, username, password_hash, role)"
                " VALUES (%s, 'admin', %s, 'admin') ON CONFLICT DO NOTHING",
                (ADMIN_EMAIL, hash_password(password)),
            )
        elif not verify_password(password, row["password_hash"]):
            conn.execute(
                "UPDATE users SET password_hash = %s, role = 'admin' WHERE id = %s",
                (hash_password(password), row["id"]),
            )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Before the first request: the schema exists (health says ok only then) and the
        # admin can log in.
        for name in apply_migrations(settings.database_url):
            log.info("applied migration %s", name)
        if settings.admin_password:
            seed_admin(settings.database_url, settings.admin_password)
        else:
            log.warning("ADMIN_PASSWORD is not set: no admin user was seeded")
        pool = open_pool(settings.database_url, settings.pool_size)
        await pool.open(wait=True)
        app.state.pool = pool
        app.state.payments = PaymentsClient(settings.payments_url, settings.payments_api_key)
        try:
            yield
        finally:
            await app.state.payments.close()
            await pool.close()

    app = FastAPI(
        title="Shop API",
        version="1.0.0",
        description="A shop: catalog, cart, checkout with reserved stock, payments through a"
        " provider (PaymentIntents and signed webhooks), refunds and a sales report."
        " Money is in integer minor units (cents) of EUR.",
        openapi_url="/openapi.json",
        docs_url=None,  # the interactive pages load their assets from a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    for module in (health, users, products, cart, orders, payments, reports):
        app.include_router(module.router, prefix="/api")
    app.include_router(webhooks.router)
    install_error_handlers(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with its default 422 body replaced by ours."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        for path in schema["paths"].values():
            for operation in path.values():
                response = operation.get("responses", {}).get("422")
                if response and "HTTPValidationError" in str(response):
                    response["description"] = "Invalid input, keyed by field"
                    response["content"]["application/json"]["schema"] = {
                        "$ref": "#/components/schemas/ErrorResponse"
                    }
        for name in ("HTTPValidationError", "ValidationError"):
            schema["components"]["schemas"].pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema


app = create_app()
