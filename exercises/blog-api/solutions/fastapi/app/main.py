"""Application factory: settings, database, routers, error handlers, OpenAPI."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from .config import Settings
from .db import Database
from .errors import install_error_handlers
from .routers import articles, comments, profiles, tags, users


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database_path)
        db.init_schema()
        app.state.db = db
        yield
        db.close()

    app = FastAPI(
        title="Conduit (RealWorld API v2)",
        version="2.0.0",
        description="The RealWorld blogging API on FastAPI and SQLite.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # the interactive pages load assets from a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    for module in (users, profiles, articles, comments, tags):
        app.include_router(module.router, prefix="/api")
    install_error_handlers(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with its default 422 body replaced by the RealWorld one."""
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
