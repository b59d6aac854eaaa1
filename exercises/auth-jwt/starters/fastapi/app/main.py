"""The notes API and its sign-in service.

Run it: export PORT=8000; python -m uvicorn app.main:app --host 127.0.0.1 --port $PORT
"""

import os
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import db

# Sign access tokens with this (stage tokens). learnpath sets a fresh one every grading run.
JWT_SECRET = os.environ.get("JWT_SECRET") or "auth-jwt-development-secret-change-me"


@asynccontextmanager
async def lifespan(app: FastAPI):
    db.init_schema()
    yield


app = FastAPI(title="Notes API", lifespan=lifespan)


@app.exception_handler(StarletteHTTPException)
async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Every error is JSON: {"errors": {"<field or thing>": ["<message>"]}}."""
    key = "route" if exc.status_code == 404 else "request"
    message = "not found" if exc.status_code == 404 else str(exc.detail)
    return JSONResponse({"errors": {key: [message]}}, status_code=exc.status_code)


@app.get("/api/health")
def health():
    return {"status": "ok"}


def _not_yet(route: str) -> JSONResponse:
    message = f"{route} is not implemented yet: stage passwords, see STAGES.md or `learnpath stage`"
    return JSONResponse({"errors": {"server": [message]}}, status_code=501)


# Stage passwords: replace these placeholders with the real thing.
@app.post("/api/users")
def register():
    return _not_yet("POST /api/users")


@app.post("/api/login")
def login():
    return _not_yet("POST /api/login")
