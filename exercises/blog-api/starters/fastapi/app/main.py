"""The Blog API.

Run it: export PORT=8000; python -m uvicorn app.main:app --host 127.0.0.1 --port $PORT
"""

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import db


@asynccontextmanager
async def lifespan(app: FastAPI):
    db.init_schema()
    yield


app = FastAPI(title="Conduit", lifespan=lifespan)


@app.exception_handler(StarletteHTTPException)
async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Every error is JSON: {"errors": {"<field or thing>": ["<message>"]}}."""
    key = "route" if exc.status_code == 404 else "request"
    message = "not found" if exc.status_code == 404 else str(exc.detail)
    return JSONResponse({"errors": {key: [message]}}, status_code=exc.status_code)


# Stage 1 (health): the tags in use, alphabetically.
@app.get("/api/tags")
def list_tags():
    with db.connect() as conn:
        rows = conn.execute("SELECT DISTINCT tag FROM article_tags ORDER BY tag").fetchall()
    return {"tags": [row["tag"] for row in rows]}


# Stage 2 (register): replace this placeholder with the real thing.
@app.post("/api/users")
def register():
    return JSONResponse(
        {
            "errors": {
                "server": [
                    "POST /api/users is not implemented yet: stage 2, see STAGES.md or "
                    "`learnpath stage`"
                ]
            }
        },
        status_code=501,
    )
