"""Notes, behind "Sign in with the provider".

Run it: export PORT=8000; python -m uvicorn app.main:app --host 127.0.0.1 --port $PORT
"""

from contextlib import asynccontextmanager
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import config, db


@asynccontextmanager
async def lifespan(app: FastAPI):
    db.init_schema()
    yield


app = FastAPI(title="Notes", lifespan=lifespan)


@app.exception_handler(StarletteHTTPException)
async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Every error is JSON: {"errors": {"<field or thing>": ["<message>"]}}."""
    key = "route" if exc.status_code == 404 else "request"
    message = "not found" if exc.status_code == 404 else str(exc.detail)
    return JSONResponse({"errors": {key: [message]}}, status_code=exc.status_code)


@app.get("/health")
def health():
    return {"status": "ok"}


def _not_yet(route: str) -> JSONResponse:
    message = f"{route} is not implemented yet: stage login-flow, see STAGES.md or `learnpath stage`"
    return JSONResponse({"errors": {"server": [message]}}, status_code=501)


# Stage login-flow: a first step. This redirect reaches the provider but lacks most of what
# the authorization request needs (scope, state, nonce, PKCE); the provider will say which.
# Read the endpoints from $OAUTH_ISSUER/.well-known/openid-configuration (see OAUTH.md).
@app.get("/login")
def login():
    params = {"response_type": "code", "client_id": config.CLIENT_ID}
    params["redirect_uri"] = config.REDIRECT_URI
    return RedirectResponse(f"{config.ISSUER}/authorize?{urlencode(params)}", status_code=302)


@app.get("/auth/callback")
def callback():
    return _not_yet("GET /auth/callback")


@app.get("/me")
def me():
    return _not_yet("GET /me")
