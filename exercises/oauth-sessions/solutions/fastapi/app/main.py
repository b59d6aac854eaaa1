"""Notes, behind "Sign in with the provider": OpenID Connect, server-side sessions, CSRF tokens.

Run it: export PORT=8000; python -m uvicorn app.main:app --host 127.0.0.1 --port $PORT
"""

import secrets
import sqlite3
import time
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import config, db, oidc, sessions
from .db import transaction


@asynccontextmanager
async def lifespan(app: FastAPI):
    db.init_schema()
    yield


app = FastAPI(title="Notes", lifespan=lifespan)


def error(status: int, key: str, message: str) -> JSONResponse:
    return JSONResponse({"errors": {key: [message]}}, status_code=status)


@app.exception_handler(StarletteHTTPException)
async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    key = "route" if exc.status_code == 404 else "request"
    return error(exc.status_code, key, "not found" if exc.status_code == 404 else str(exc.detail))


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/", response_class=HTMLResponse)
def home():
    return HOME_PAGE


# -- signing in -------------------------------------------------------------------------------


@app.get("/login")
def login(request: Request, conn: sqlite3.Connection = Depends(db.get_db)):
    """Start the authorization code flow: fresh state, nonce and PKCE pair, kept server-side
    in this browser's session (a new anonymous one if it has none)."""
    try:
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier, challenge = oidc.new_pkce()
        url = oidc.authorization_url(state, nonce, challenge)
    except oidc.LoginError as exc:
        return error(exc.status, "login", exc.message)
    with transaction(conn):
        current = sessions.load(conn, request)
        new_id = None
        if current is None:
            new_id = sessions.create(conn, None, config.LOGIN_SECONDS)
        session_id = current[0] if current is not None else new_id
        sessions.start_login(conn, session_id, state, verifier, nonce)
    response = RedirectResponse(url, status_code=302)
    if new_id is not None:
        sessions.set_cookie(request, response, new_id, config.LOGIN_SECONDS)
    return response


@app.get("/auth/callback")
def callback(
    request: Request,
    code: str | None = None,
    state: str | None = None,
    conn: sqlite3.Connection = Depends(db.get_db),
):
    provider_error = request.query_params.get("error")
    session_id = sessions.cookie_value(request)
    pending = sessions.take_login(conn, session_id, state)
    if provider_error:
        return error(403, "login", f"the provider did not sign you in ({provider_error})")
    if pending is None:
        return error(400, "login", "state is missing, wrong or used: start again at /login")
    if not code:
        return error(400, "login", "code is missing")
    verifier, nonce = pending
    try:
        tokens = oidc.exchange_code(code, verifier)
        claims = oidc.verify_id_token(tokens["id_token"], nonce)
        info = oidc.userinfo(tokens["access_token"], claims["sub"])
    except oidc.LoginError as exc:
        return error(exc.status, "login", exc.message)
    email = info.get("email") or claims.get("email") or ""
    name = info.get("name") or claims.get("name") or ""
    with transaction(conn):
        # The user is whoever has this sub; email and name follow the provider's.
        row = conn.execute(
            "INSERT INTO users (sub, email, name) VALUES (?, ?, ?) "
            "ON CONFLICT(sub) DO UPDATE SET email = excluded.email, name = excluded.name "
            "RETURNING id",
            (claims["sub"], email, name),
        ).fetchone()
        # A new session id at sign-in: the pre-login one (maybe planted) is gone.
        if session_id is not None:
            sessions.delete(conn, session_id)
        new_id = sessions.create(conn, row["id"], config.SESSION_SECONDS)
    response = RedirectResponse("/", status_code=303)
    sessions.set_cookie(request, response, new_id, config.SESSION_SECONDS)
    return response


# -- the signed-in user -------------------------------------------------------------------


class SignedIn:
    def __init__(self, session_id: str, user: sqlite3.Row):
        self.session_id = session_id
        self.user = user


class NotSignedIn(Exception):
    pass


class BadCsrf(Exception):
    pass


@app.exception_handler(NotSignedIn)
async def not_signed_in(request: Request, exc: NotSignedIn) -> JSONResponse:
    return error(401, "session", "not signed in")


@app.exception_handler(BadCsrf)
async def bad_csrf(request: Request, exc: BadCsrf) -> JSONResponse:
    return error(403, "csrf", "missing or wrong X-CSRF-Token: read csrf_token from GET /me")


def signed_in(request: Request, conn: sqlite3.Connection = Depends(db.get_db)) -> SignedIn:
    current = sessions.load(conn, request)
    if current is None or current[1]["user_id"] is None:
        raise NotSignedIn()
    user = conn.execute("SELECT * FROM users WHERE id = ?", (current[1]["user_id"],)).fetchone()
    if user is None:
        raise NotSignedIn()
    return SignedIn(current[0], user)


def with_csrf(request: Request, me: SignedIn = Depends(signed_in)) -> SignedIn:
    """For state-changing requests: the session's CSRF token must come in X-CSRF-Token."""
    if not sessions.csrf_ok(request, me.session_id):
        raise BadCsrf()
    return me


@app.get("/me")
def read_me(me: SignedIn = Depends(signed_in)):
    user = me.user
    return {
        "user": {"id": user["id"], "sub": user["sub"], "email": user["email"], "name": user["name"]},
        "csrf_token": sessions.csrf_token(me.session_id),
    }


@app.post("/logout", status_code=204)
def logout(request: Request, conn: sqlite3.Connection = Depends(db.get_db)):
    current = sessions.load(conn, request)
    if current is not None and current[1]["user_id"] is not None:
        if not sessions.csrf_ok(request, current[0]):
            raise BadCsrf()
        with transaction(conn):
            sessions.delete(conn, current[0])
    response = Response(status_code=204)
    sessions.clear_cookie(response)
    return response


# -- notes ------------------------------------------------------------------------------------


class NoteIn(BaseModel):
    text: str


def note_json(row: sqlite3.Row) -> dict:
    return {"id": row["id"], "text": row["text"]}


@app.get("/notes")
def list_notes(me: SignedIn = Depends(signed_in), conn: sqlite3.Connection = Depends(db.get_db)):
    rows = conn.execute(
        "SELECT * FROM notes WHERE user_id = ? ORDER BY id DESC", (me.user["id"],)
    ).fetchall()
    return {"notes": [note_json(r) for r in rows]}


@app.post("/notes", status_code=201)
def create_note(
    note: NoteIn,
    me: SignedIn = Depends(with_csrf),
    conn: sqlite3.Connection = Depends(db.get_db),
):
    text = note.text.strip()
    if not text:
        return error(422, "text", "can't be blank")
    with transaction(conn):
        row = conn.execute(
            "INSERT INTO notes (user_id, text, created_at) VALUES (?, ?, ?) RETURNING *",
            (me.user["id"], text, time.time()),
        ).fetchone()
    return {"note": note_json(row)}


HOME_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Notes</title></head>
<body>
<h1>Notes</h1>
<p id="who">…</p>
<p><a href="/login">Sign in</a> · <button id="logout">Sign out</button></p>
<form id="add"><input name="text" placeholder="a note"> <button>Add</button></form>
<ul id="notes"></ul>
<script>
let csrf = null;
async function refresh() {
  const me = await fetch('/me');
  if (me.status !== 200) { document.getElementById('who').textContent = 'Not signed in.'; return; }
  const body = await me.json();
  csrf = body.csrf_token;
  document.getElementById('who').textContent = `Signed in as ${body.user.name} <${body.user.email}>`;
  const notes = await (await fetch('/notes')).json();
  const list = document.getElementById('notes');
  list.replaceChildren(...notes.notes.map((n) => Object.assign(document.createElement('li'), {textContent: n.text})));
}
document.getElementById('add').onsubmit = async (e) => {
  e.preventDefault();
  const text = new FormData(e.target).get('text');
  await fetch('/notes', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}, body: JSON.stringify({text})});
  e.target.reset(); refresh();
};
document.getElementById('logout').onclick = async () => {
  await fetch('/logout', {method: 'POST', headers: {'X-CSRF-Token': csrf || ''}});
  refresh();
};
refresh();
</script>
</body></html>
"""
