"""The notes API and its sign-in service.

Run it: export PORT=8000; python -m uvicorn app.main:app --host 127.0.0.1 --port $PORT
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from .db import init_schema
from .errors import install_error_handlers
from .routers import accounts, admin, notes


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    init_schema()
    yield


app = FastAPI(title="Notes API with JWT sign-in", lifespan=lifespan, docs_url=None, redoc_url=None)
install_error_handlers(app)
for module in (accounts, notes, admin):
    app.include_router(module.router, prefix="/api")


@app.get("/api/health")
def health() -> dict:
    return {"status": "ok"}
