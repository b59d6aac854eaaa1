"""The HTTP layer: the provider's endpoints for browsers and the learner's server, and
``/_control`` for graders."""

from __future__ import annotations

import asyncio
import hmac
import html
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from learnpath.fakes.oauth.provider import (
    FAULTS,
    Authorization,
    ControlError,
    OAuthError,
    Provider,
    check_user,
)

Obj = dict[str, Any]
_LOOPBACK_CLIENTS = {"127.0.0.1", "::1", "localhost"}
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status, headers=headers)


def _with_query(url: str, params: dict[str, str]) -> str:
    """``url`` with ``params`` added to its query (keeping the query it has)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def _redirect(redirect_uri: str, state: str | None, params: dict[str, str]) -> Response:
    """Send the browser back to the client (RFC 6749 4.1.2), echoing ``state``."""
    if state is not None:
        params = {**params, "state": state}
    return RedirectResponse(_with_query(redirect_uri, params), status_code=302)


def _error_page(err: OAuthError) -> Response:
    """An error the provider shows itself, never redirecting to an unverified address."""
    text = html.escape(err.description)
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Sign-in error</title></head>"
        f"<body><h1>Sign-in error: {html.escape(err.error)}</h1><p>{text}</p>"
        "<p>The provider does not send you back to an address it cannot verify.</p></body></html>"
    )
    return HTMLResponse(page, status_code=400)


def _consent_page(provider: Provider, authz: Authorization) -> Response:
    """The sign-in and consent step a person sees when graders chose no user."""
    scope = html.escape(" ".join(authz.scope))
    client = html.escape(authz.client_id)
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Sign in: learnpath's OpenID provider</title>
<style>body{{font-family:sans-serif;max-width:30em;margin:3em auto}}label{{display:block;
margin:.6em 0}}input{{width:100%;padding:.3em}}button{{margin:.8em .5em 0 0;padding:.4em 1em}}
</style></head>
<body>
<h1>Sign in</h1>
<p>The application <code>{client}</code> asks to know who you are ({scope}).
This is a fake provider for development: any email signs you in, no password.</p>
<form method="post" action="/authorize">
<input type="hidden" name="request" value="{html.escape(authz.id)}">
<label>Email <input name="email" type="email" required value="ada@example.com"></label>
<label>Name <input name="name" value="Ada Lovelace"></label>
<button name="decision" value="allow" type="submit">Allow</button>
<button name="decision" value="deny" type="submit" formnovalidate>Deny</button>
</form>
</body></html>"""
    return HTMLResponse(page, headers=_NO_STORE)


class LoopbackOnly:
    """Refuses any connection that does not come from this machine."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] == "http" and client and client[0] not in _LOOPBACK_CLIENTS:
            response = JSONResponse({"error": "loopback only"}, status_code=403)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _bearer(header: str | None) -> str | None:
    scheme, _, value = (header or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _basic(header: str | None) -> str | None:
    scheme, _, value = (header or "").partition(" ")
    return value.strip() if scheme.lower() == "basic" else None


def create_app(provider: Provider) -> ASGIApp:
    """The ASGI application serving ``provider``."""

    def log(request: Request, query: dict[str, str], form: dict[str, str] | None) -> Obj:
        header = request.headers.get("authorization")
        entry: Obj = {
            "seq": len(provider.requests) + 1,
            "time": time.time(),
            "method": request.method,
            "path": request.url.path,
            "query": query,
            "form": form,
            "content_type": request.headers.get("content-type"),
            "auth_scheme": header.partition(" ")[0].lower() if header else None,
            "bearer": _bearer(header),
            "client_auth": None,
            "authorization": None,
            "status": None,
            "error": None,
            "error_description": None,
        }
        provider.requests.append(entry)
        return entry

    async def read_form(request: Request) -> dict[str, str] | None:
        raw = await request.body()
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if not raw:
            return {}
        if ctype != "application/x-www-form-urlencoded":
            return None
        try:
            return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            return None

    async def discovery(request: Request) -> Response:
        entry = log(request, dict(request.query_params), None)
        entry["status"] = 200
        return _json(200, provider.discovery())

    async def jwks(request: Request) -> Response:
        entry = log(request, dict(request.query_params), None)
        body = await asyncio.to_thread(provider.jwks)
        entry["status"] = 200
        return _json(200, body)

    async def authorize(request: Request) -> Response:
        query = dict(request.query_params)
        entry = log(request, query, None)
        try:
            authz = provider.authorize(query)
        except OAuthError as err:
            entry["status"], entry["error"] = err.status, err.error
            entry["error_description"] = err.description
            if err.status == 400:
                return _error_page(err)
            error = {"error": err.error, "error_description": err.description}
            return _redirect(query["redirect_uri"], query.get("state"), error)
        entry["authorization"] = authz.id
        if provider.signin is None:
            entry["status"] = 200
            return _consent_page(provider, authz)
        provider.decide(authz, provider.signin, provider.decision)
        entry["status"] = 302
        return _answer(authz)

    def _answer(authz: Authorization) -> Response:
        if authz.decision == "deny":
            denied = {"error": "access_denied", "error_description": "the user said no"}
            return _redirect(authz.redirect_uri, authz.state, denied)
        assert authz.code is not None
        return _redirect(authz.redirect_uri, authz.state, {"code": authz.code})

    async def consent(request: Request) -> Response:
        form = await read_form(request) or {}
        entry = log(request, dict(request.query_params), form)
        authz = provider.authorizations.get(form.get("request", ""))
        if authz is None or authz.decision != "pending":
            entry["status"] = 400
            return _error_page(
                OAuthError(400, "invalid_request", "unknown or already answered sign-in request")
            )
        decision = form.get("decision", "allow")
        user = None
        try:
            if decision == "allow":
                user = check_user({"email": form.get("email", ""), "name": form.get("name") or ""})
            elif decision != "deny":
                raise ControlError("decision is 'allow' or 'deny'")
        except ControlError as err:
            entry["status"] = 400
            return _error_page(OAuthError(400, "invalid_request", str(err)))
        provider.decide(authz, user, decision)
        entry["authorization"] = authz.id
        entry["status"] = 302
        return _answer(authz)

    async def token(request: Request) -> Response:
        form = await read_form(request)
        entry = log(request, dict(request.query_params), form)
        try:
            if form is None:
                raise OAuthError(
                    400,
                    "invalid_request",
                    "send the token request as application/x-www-form-urlencoded "
                    "(RFC 6749 4.1.3), not "
                    f"{request.headers.get('content-type') or 'without a Content-Type'}",
                )
            await asyncio.to_thread(provider.key)
            body = provider.token(form, _basic(request.headers.get("authorization")), entry)
        except OAuthError as err:
            entry["status"], entry["error"] = err.status, err.error
            entry["error_description"] = err.description
            return _json(err.status, err.body(), {**_NO_STORE, **err.headers})
        entry["status"] = 200
        return _json(200, body, _NO_STORE)

    async def userinfo(request: Request) -> Response:
        form = await read_form(request) if request.method == "POST" else {}
        entry = log(request, dict(request.query_params), form)
        bearer = _bearer(request.headers.get("authorization")) or (form or {}).get("access_token")
        entry["bearer"] = bearer
        try:
            body = provider.userinfo(bearer)
        except OAuthError as err:
            entry["status"], entry["error"] = err.status, err.error
            entry["error_description"] = err.description
            return _json(err.status, err.body(), err.headers)
        token = provider.tokens[bearer or ""]
        entry["authorization"] = token.authorization
        entry["status"] = 200
        return _json(200, body, _NO_STORE)

    async def index(request: Request) -> Response:
        return _json(
            200,
            {
                "provider": "learnpath's fake OpenID provider (for graded exercises)",
                "issuer": provider.issuer,
                "discovery": f"{provider.issuer}/.well-known/openid-configuration",
            },
        )

    async def not_found(request: Request) -> Response:
        if request.url.path.startswith("/_control"):
            return _json(404, {"error": f"no control endpoint {request.url.path}"})
        log(request, dict(request.query_params), None)["status"] = 404
        return _json(
            404,
            {
                "error": "not_found",
                "error_description": f"no endpoint {request.method} {request.url.path}; see "
                f"{provider.issuer}/.well-known/openid-configuration",
            },
        )

    # -- control ----------------------------------------------------------------------------

    def control(
        handler: Callable[[Request, Obj], Awaitable[Any]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            token = request.headers.get("x-control-token", "")
            if not hmac.compare_digest(token.encode(), provider.control_token.encode()):
                return _json(401, {"error": "missing or wrong X-Control-Token"})
            raw = await request.body()
            try:
                body = json.loads(raw) if raw.strip() else {}
                if not isinstance(body, dict):
                    raise ControlError("the body must be a JSON object")
                return _json(200, await handler(request, body))
            except ValueError as err:
                return _json(400, {"error": f"invalid JSON: {err}"})
            except ControlError as err:
                return _json(400, {"error": str(err)})

        return endpoint

    async def get_config(request: Request, body: Obj) -> Obj:
        return provider.config()

    async def set_config(request: Request, body: Obj) -> Obj:
        provider.set_config(body)
        return provider.config()

    async def signin(request: Request, body: Obj) -> Obj:
        provider.set_signin(body)
        return provider.config()

    async def get_faults(request: Request, body: Obj) -> Obj:
        return {"data": [f.public() for f in provider.faults], "known": FAULTS}

    async def add_fault(request: Request, body: Obj) -> Obj:
        provider.add_fault(body)
        return await get_faults(request, body)

    async def clear_faults(request: Request, body: Obj) -> Obj:
        provider.faults.clear()
        return await get_faults(request, body)

    async def authorizations(request: Request, body: Obj) -> Obj:
        return {"data": provider.authorizations_public()}

    async def requests(request: Request, body: Obj) -> Obj:
        return {"data": provider.requests}

    async def key(request: Request, body: Obj) -> Obj:
        await asyncio.to_thread(provider.key)
        return provider.jwks()

    async def reset(request: Request, body: Obj) -> Obj:
        provider.reset()
        return {"reset": True}

    public: list[tuple[str, list[str], Callable[[Request], Awaitable[Response]]]] = [
        ("/", ["GET"], index),
        ("/.well-known/openid-configuration", ["GET"], discovery),
        ("/.well-known/jwks.json", ["GET"], jwks),
        ("/authorize", ["GET"], authorize),
        ("/authorize", ["POST"], consent),
        ("/token", ["POST"], token),
        ("/userinfo", ["GET", "POST"], userinfo),
    ]
    controls: list[tuple[str, str, Callable[[Request, Obj], Awaitable[Any]]]] = [
        ("/_control/config", "GET", get_config),
        ("/_control/config", "POST", set_config),
        ("/_control/signin", "POST", signin),
        ("/_control/faults", "GET", get_faults),
        ("/_control/faults", "POST", add_fault),
        ("/_control/faults/clear", "POST", clear_faults),
        ("/_control/authorizations", "GET", authorizations),
        ("/_control/requests", "GET", requests),
        ("/_control/jwks", "GET", key),
        ("/_control/reset", "POST", reset),
    ]
    routes = [Route(path, handler, methods=methods) for path, methods, handler in public]
    routes += [
        Route(path, control(handler), methods=[method]) for path, method, handler in controls
    ]
    every = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    routes.append(Route("/{rest:path}", not_found, methods=every))
    return LoopbackOnly(Starlette(routes=routes))
