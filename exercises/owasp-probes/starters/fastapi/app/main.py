"""The documents API: it works, and it is full of holes. Harden it stage by stage.

Run it: export PORT=8000; python -m uvicorn app.main:app --port $PORT --no-proxy-headers
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from .db import init_schema
from .errors import install_error_handlers
from .routes import documents, users


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    init_schema()
    yield


app = FastAPI(title="Documents API", lifespan=lifespan, docs_url=None, redoc_url=None)
install_error_handlers(app)
app.include_router(users.router, prefix="/api")
app.include_router(documents.router, prefix="/api")


@app.get("/api/health")
def health() -> dict:
    return {"status": "ok"}
