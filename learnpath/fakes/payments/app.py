"""The HTTP layer: the provider's ``/v1`` API for the learner and ``/_control`` for graders."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from learnpath.fakes.payments import params as p
from learnpath.fakes.payments.state import ApiError, Obj, Store, missing, new_id
from learnpath.fakes.payments.webhooks import Dispatcher, Fault, check_url

DEFAULT_PROCESSING_DELAY = 1.0
_LOOPBACK_CLIENTS = {"127.0.0.1", "::1", "localhost"}


@dataclass
class Call:
    """One parsed API request, as a handler sees it."""

    params: dict[str, Any]
    path: dict[str, str]
    query: dict[str, str]
    api_key_ok: bool
    form: bool = False


Handler = Callable[["PaymentsFake", Call], Obj]


class PaymentsFake:
    """One provider: its objects, webhook dispatcher, idempotency cache and request log."""

    def __init__(
        self, api_key: str, webhook_secret: str, control_token: str, webhook_url: str | None
    ) -> None:
        self.api_key = api_key
        self.control_token = control_token
        url = check_url(webhook_url) if webhook_url else None
        self.dispatcher = Dispatcher(webhook_secret, url)
        self.store = Store(on_event=self.dispatcher.event_created)
        self.requests: list[Obj] = []
        self.idempotency: dict[tuple[str, str], Obj] = {}
        self.locks: dict[tuple[str, str], asyncio.Lock] = {}
        self.processing_delay: float | None = DEFAULT_PROCESSING_DELAY
        # Seconds every API request waits before it is handled: a slow provider, which is what
        # makes a server's read-then-call-then-write window wide enough to see in a race.
        self.latency: float = 0.0

    def reset(self) -> None:
        """Forget everything; delivery settings go back to those given at start-up."""
        self.dispatcher.reset()
        self.store.clear()
        self.requests.clear()
        self.idempotency.clear()
        self.locks.clear()
        self.processing_delay = DEFAULT_PROCESSING_DELAY
        self.latency = 0.0

    # Authentication

    def authenticate(self, header: str | None) -> str:
        """``ok``, ``missing`` or ``invalid`` for an Authorization header (Bearer or Basic)."""
        if not header:
            return "missing"
        scheme, _, value = header.partition(" ")
        key = value.strip()
        if scheme.lower() == "basic":
            try:
                key = base64.b64decode(key, validate=True).decode().partition(":")[0]
            except (binascii.Error, UnicodeDecodeError):
                return "invalid"
        elif scheme.lower() != "bearer":
            return "invalid"
        return "ok" if hmac.compare_digest(key.encode(), self.api_key.encode()) else "invalid"

    def check_client_secret(self, intent: Obj, secret: Any) -> None:
        """Allow a browser-side call that proves it holds this intent's client secret."""
        if not isinstance(secret, str) or not hmac.compare_digest(
            secret.encode(), intent["client_secret"].encode()
        ):
            raise ApiError(
                401,
                "Without an API key, pass this PaymentIntent's client_secret "
                "(the one your server received when it created the intent).",
                code="client_secret_mismatch",
            )

    # Idempotency

    async def idempotent(
        self, scope: tuple[str, str], fingerprint: Obj, run: Callable[[], tuple[int, Obj]]
    ) -> tuple[int, Obj, bool]:
        """Run once per key; a repeat with the same request replays the first answer."""
        if len(scope[1]) > 255:
            raise p.invalid("Idempotency-Key must be at most 255 characters")
        lock = self.locks.setdefault(scope, asyncio.Lock())
        async with lock:
            saved = self.idempotency.get(scope)
            if saved is not None:
                if saved["fingerprint"] != fingerprint:
                    raise ApiError(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters "
                        f"they were first used with. Try using a key other than '{scope[1]}' if "
                        "you meant to execute a different request.",
                        type="idempotency_error",
                        save=False,
                    )
                return saved["status"], saved["body"], True
            try:
                status, body = run()
            except ApiError as err:
                if not err.save:
                    raise
                status, body = err.status, err.body()
            self.idempotency[scope] = {"fingerprint": fingerprint, "status": status, "body": body}
            return status, body, False

    # Payments that settle later

    def schedule_settle(self, intent_id: str) -> None:
        """Finish a processing payment after the configured delay (never, when it is None)."""
        delay = self.processing_delay
        if delay is None:
            return

        async def later() -> None:
            await asyncio.sleep(delay)
            if self.store.intents.get(intent_id, {}).get("status") == "processing":
                self.store.settle(intent_id)

        self.dispatcher.spawn(later())


# The learner's API


def _no_client_secret(call: Call) -> None:
    if not call.api_key_ok:
        raise ApiError(401, "You did not provide an API key.")


def create_intent(fake: PaymentsFake, call: Call) -> Obj:
    """POST /v1/payment_intents"""
    params = call.params
    p.reject_unknown(
        params,
        {
            "amount",
            "currency",
            "metadata",
            "description",
            "confirm",
            "payment_method",
            "automatic_payment_methods",
            "payment_method_types",
            "receipt_email",
            "statement_descriptor",
            "return_url",
            "expand",
        },
    )
    for name in ("amount", "currency"):
        if name not in params:
            raise p.invalid(f"Missing required param: {name}.", name)
    amount = p.amount(params["amount"], form=call.form)
    currency = p.currency(params["currency"])
    metadata = p.metadata(params.get("metadata"))
    description = p.optional_text(params, "description")
    confirm = p.flag(params, "confirm")
    payment_method = p.optional_text(params, "payment_method")
    if confirm and not payment_method:
        raise p.invalid("confirm=true needs a payment_method (a test card).", "payment_method")
    intent = fake.store.create_intent(amount, currency, metadata, description)
    if confirm and payment_method:
        return _confirm(fake, intent["id"], payment_method)
    return intent


def get_intent(fake: PaymentsFake, call: Call) -> Obj:
    """GET /v1/payment_intents/{id} (with the API key, or ``?client_secret=``)."""
    intent = fake.store.intent(call.path["id"])
    if not call.api_key_ok:
        fake.check_client_secret(intent, call.query.get("client_secret"))
    return intent


def _confirm(fake: PaymentsFake, intent_id: str, payment_method: str) -> Obj:
    intent = fake.store.confirm(intent_id, payment_method)
    if intent["status"] == "processing":
        fake.schedule_settle(intent_id)
    return intent


def confirm_intent(fake: PaymentsFake, call: Call) -> Obj:
    """POST /v1/payment_intents/{id}/confirm (with the API key, or the client_secret)."""
    params = call.params
    p.reject_unknown(
        params, {"payment_method", "client_secret", "return_url", "expand", "payment_method_types"}
    )
    intent = fake.store.intent(call.path["id"])
    if not call.api_key_ok or "client_secret" in params:
        fake.check_client_secret(intent, params.get("client_secret"))
    return _confirm(fake, intent["id"], p.required_text(params, "payment_method"))


def cancel_intent(fake: PaymentsFake, call: Call) -> Obj:
    """POST /v1/payment_intents/{id}/cancel"""
    _no_client_secret(call)
    p.reject_unknown(call.params, {"cancellation_reason", "expand"})
    reason = p.optional_text(call.params, "cancellation_reason")
    reasons = ("duplicate", "fraudulent", "requested_by_customer", "abandoned")
    if reason is not None and reason not in reasons:
        raise p.invalid(f"cancellation_reason must be one of {', '.join(reasons)}", "reason")
    return fake.store.cancel(call.path["id"], reason)


def create_refund(fake: PaymentsFake, call: Call) -> Obj:
    """POST /v1/refunds"""
    _no_client_secret(call)
    params = call.params
    p.reject_unknown(params, {"payment_intent", "charge", "amount", "reason", "metadata", "expand"})
    intent_id = p.optional_text(params, "payment_intent")
    charge_id = p.optional_text(params, "charge")
    if charge_id and not intent_id:
        if charge_id not in fake.store.charges:
            raise missing("charge", charge_id, "charge")
        intent_id = fake.store.charges[charge_id]["payment_intent"]
    if not intent_id:
        raise p.invalid("Missing required param: payment_intent.", "payment_intent")
    given = params.get("amount")
    amount = None if given is None else p.amount(given, form=call.form)
    reason = p.optional_text(params, "reason")
    reasons = ("duplicate", "fraudulent", "requested_by_customer")
    if reason is not None and reason not in reasons:
        raise p.invalid(f"reason must be one of {', '.join(reasons)}", "reason")
    return fake.store.refund(intent_id, amount, reason, p.metadata(params.get("metadata")))


def _getter(table: str, kind: str) -> Handler:
    def get(fake: PaymentsFake, call: Call) -> Obj:
        _no_client_secret(call)
        objects: dict[str, Obj] = getattr(fake.store, table)
        ident = call.path["id"]
        if ident not in objects:
            raise missing(kind, ident)
        return objects[ident]

    get.__doc__ = f"GET /v1/{table}/{{id}}"
    return get


def list_events(fake: PaymentsFake, call: Call) -> Obj:
    """GET /v1/events: newest first, ``?limit=`` (1-100) and ``?type=``."""
    _no_client_secret(call)
    limit_text = call.query.get("limit", "10")
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= 100:
        raise p.invalid("limit must be between 1 and 100", "limit")
    events = list(reversed(fake.store.events.values()))
    if "type" in call.query:
        events = [event for event in events if event["type"] == call.query["type"]]
    limit = int(limit_text)
    return {
        "object": "list",
        "url": "/v1/events",
        "data": events[:limit],
        "has_more": len(events) > limit,
    }


# Request plumbing


def _json(status: int, body: Obj, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status, headers=headers)


def api_route(
    fake: PaymentsFake, handler: Handler | None, *, client_secret_ok: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint that authenticates, honours Idempotency-Key, and logs the request."""

    async def endpoint(request: Request) -> Response:
        if handler is None and request.url.path.startswith("/_control"):
            return _json(404, ApiError(404, f"no control endpoint {request.url.path}").body())
        raw = await request.body()
        request_id = new_id("req", 14)
        key = request.headers.get("idempotency-key")
        auth = fake.authenticate(request.headers.get("authorization"))
        entry: Obj = {
            "seq": len(fake.requests) + 1,
            "time": time.time(),
            "method": request.method,
            "path": request.url.path,
            "query": dict(request.query_params),
            "auth": auth,
            "auth_ok": auth == "ok",
            "idempotency_key": key,
            "replayed": False,
            "body": raw.decode("utf-8", errors="replace"),
            "status": None,
            "request_id": request_id,
        }
        fake.requests.append(entry)
        headers = {"Request-Id": request_id}
        if fake.latency:
            await asyncio.sleep(fake.latency)
        try:
            if handler is None:
                raise ApiError(
                    404,
                    f"Unrecognized request URL ({request.method}: {request.url.path}). "
                    "See PAYMENTS.md for the endpoints of this provider.",
                )
            if auth == "invalid" or (auth == "missing" and not client_secret_ok):
                raise ApiError(
                    401,
                    "You did not provide a valid API key. Send it in the Authorization header: "
                    "'Authorization: Bearer <PAYMENTS_API_KEY>'.",
                )
            params, form = p.parse_body(raw, request.headers.get("content-type", ""))
            entry["body"] = params
            call = Call(
                params, dict(request.path_params), dict(request.query_params), auth == "ok", form
            )

            def run() -> tuple[int, Obj]:
                return 200, handler(fake, call)

            if request.method == "POST" and key is not None:
                secret = params.get("client_secret")
                principal = "key" if auth == "ok" else f"client_secret:{secret}"
                fingerprint = {"method": "POST", "path": request.url.path, "params": params}
                status, body, replayed = await fake.idempotent((principal, key), fingerprint, run)
                headers["Idempotency-Key"] = key
                if replayed:
                    headers["Idempotent-Replayed"] = "true"
                    entry["replayed"] = True
            else:
                status, body = run()
        except ApiError as err:
            status, body = err.status, err.body()
        entry["status"] = status
        return _json(status, body, headers)

    return endpoint


def control_route(
    fake: PaymentsFake, handler: Callable[[PaymentsFake, Request, Obj], Awaitable[Obj]]
) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint for graders: X-Control-Token only (the API key never opens it)."""

    async def endpoint(request: Request) -> Response:
        token = request.headers.get("x-control-token", "")
        if not hmac.compare_digest(token.encode(), fake.control_token.encode()):
            return _json(401, ApiError(401, "missing or wrong X-Control-Token").body())
        try:
            raw = await request.body()
            body = json.loads(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise ApiError(400, "the body must be a JSON object")
            return _json(200, await handler(fake, request, body))
        except ValueError as err:
            return _json(400, ApiError(400, f"invalid JSON: {err}").body())
        except ApiError as err:
            return _json(err.status, err.body())

    return endpoint


# The control API


async def get_config(fake: PaymentsFake, request: Request, body: Obj) -> Obj:
    """GET /_control/config"""
    return {
        **fake.dispatcher.config(),
        "processing_delay": fake.processing_delay,
        "latency": fake.latency,
    }


async def set_config(fake: PaymentsFake, request: Request, body: Obj) -> Obj:
    """POST /_control/config: any of webhook_url, mode, retry{}, processing_delay, latency."""
    unknown = set(body) - {"webhook_url", "mode", "retry", "processing_delay", "latency"}
    if unknown:
        raise ApiError(400, f"unknown settings: {', '.join(sorted(unknown))}")
    dispatcher = fake.dispatcher
    if "mode" in body and body["mode"] not in ("auto", "hold"):
        raise ApiError(400, "mode must be 'auto' or 'hold'", param="mode")
    if "webhook_url" in body:
        url = body["webhook_url"]
        dispatcher.url = check_url(url) if url else None
    if "retry" in body:
        retry = body["retry"]
        if not isinstance(retry, dict) or set(retry) - {"base", "max_attempts", "timeout"}:
            raise ApiError(400, "retry takes base, max_attempts and timeout", param="retry")
        dispatcher.policy.update(retry)
    if "processing_delay" in body:
        delay = body["processing_delay"]
        if delay is not None and (
            isinstance(delay, bool) or not isinstance(delay, int | float) or not 0 <= delay <= 3600
        ):
            raise ApiError(400, "processing_delay is seconds (0-3600) or null", param="delay")
        fake.processing_delay = delay
    if "latency" in body:
        latency = body["latency"]
        number = isinstance(latency, int | float) and not isinstance(latency, bool)
        if not number or not 0 <= latency <= 30:
            raise ApiError(400, "latency is seconds (0-30)", param="latency")
        fake.latency = float(latency)
    if "mode" in body:
        dispatcher.mode = body["mode"]
    return await get_config(fake, request, body)


async def get_events(fake: PaymentsFake, request: Request, body: Obj) -> Obj:
    """GET /_control/events: all events in the order they happened, and which are held."""
    return {"data": list(fake.store.events.values()), "held": list(fake.dispatcher.held)}


def _options(body: Obj, allowed: set[str]) -> Obj:
    unknown = set(body) - allowed
    if unknown:
        raise ApiError(400, f"unknown options: {', '.join(sorted(unknown))}")
    for name in ("twice", "bad_signature", "stale", "retry", "wait"):
        if name in body and not isinstance(body[name], bool):
            raise ApiError(400, f"{name} must be true or false", param=name)
    return body


async def _run(fake: PaymentsFake, body: Obj, work: Awaitable[list[Obj]]) -> Obj:
    """Start a delivery in the background; wait for its attempts unless wait=false."""

    async def wrapped() -> list[Obj]:
        return await work

    task = fake.dispatcher.spawn(wrapped())
    if not body.get("wait", True):
        return {"attempts": [], "waiting": False}
    try:
        return {"attempts": await asyncio.shield(task), "waiting": True}
    except asyncio.CancelledError:
        if task.cancelled():
            raise ApiError(409, "the delivery was canceled (reset or shutdown)") from None
        raise


async def deliver_event(fake: PaymentsFake, request: Request, body: Obj) -> Obj:
    """POST /_control/events/{id}/deliver: one event now, with faults on request."""
    options = _options(
        body,
        {"twice", "delay", "bad_signature", "stale", "timestamp", "signature", "retry", "wait"},
    )
    ident = request.path_params["id"]
    if ident not in fake.store.events:
        raise missing("event", ident)
    if not fake.dispatcher.url:
        raise ApiError(409, "no webhook URL is set (set_webhook_url first)")
    delay = options.get("delay", 0)
    if isinstance(delay, bool) or not isinstance(delay, int | float) or not 0 <= delay <= 60:
        raise ApiError(400, "delay is seconds between 0 and 60", param="delay")
    timestamp = options.get("timestamp")
    if timestamp is not None and (isinstance(timestamp, bool) or not isinstance(timestamp, int)):
        raise ApiError(400, "timestamp is a unix time in whole seconds", param="timestamp")
    header = options.get("signature")
    if header is not None and not isinstance(header, str):
        raise ApiError(400, "signature is the header value to send ('' sends none)")
    fault = Fault(
        bad_signature=options.get("bad_signature", False),
        stale=options.get("stale", False),
        timestamp=timestamp,
        signature=header,
    )
    work = fake.dispatcher.deliver(
        fake.store.events[ident],
        fault=fault,
        twice=options.get("twice", False),
        delay=float(delay),
        retry=options.get("retry", False),
    )
    if fake.dispatcher.held.count(ident):
        fake.dispatcher.held.remove(ident)
    return await _run(fake, options, work)


async def release_events(fake: PaymentsFake, request: Request, body: Obj) -> Obj:
    """POST /_control/release: send held events, in the given order or as they happened."""
    options = _options(body, {"order", "retry", "wait"})
    order = options.get("order")
    if order is not None and (
        not isinstance(order, list) or not all(isinstance(i, str) for i in order)
    ):
        raise ApiError(400, "order is a list of event ids", param="order")
    if not fake.dispatcher.url:
        raise ApiError(409, "no webhook URL is set (set_webhook_url first)")
    for ident in order or []:
        if ident not in fake.dispatcher.held:
            raise ApiError(400, f"event {ident} is not held", param="order")
    work = fake.dispatcher.release(order, fake.store.events, retry=options.get("retry", False))
    return await _run(fake, options, work)


async def get_requests(fake: PaymentsFake, request: Request, body: Obj) -> Obj:
    """GET /_control/requests: every /v1 call the learner made, oldest first."""
    return {"data": fake.requests}


async def get_deliveries(fake: PaymentsFake, request: Request, body: Obj) -> Obj:
    """GET /_control/deliveries: every webhook attempt, oldest first."""
    return {"data": fake.dispatcher.log}


async def get_intents(fake: PaymentsFake, request: Request, body: Obj) -> Obj:
    """GET /_control/payment_intents: every intent, oldest first."""
    return {"data": list(fake.store.intents.values())}


async def settle_intent(fake: PaymentsFake, request: Request, body: Obj) -> Obj:
    """POST /_control/payment_intents/{id}/settle: finish a processing payment now."""
    return fake.store.settle(request.path_params["id"])


async def reset(fake: PaymentsFake, request: Request, body: Obj) -> Obj:
    """POST /_control/reset"""
    fake.reset()
    return {"reset": True}


class LoopbackOnly:
    """Refuses any connection that does not come from this machine."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] == "http" and client and client[0] not in _LOOPBACK_CLIENTS:
            response = JSONResponse({"error": {"message": "loopback only"}}, status_code=403)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_app(fake: PaymentsFake) -> ASGIApp:
    """The ASGI application serving ``fake``."""
    api = [
        ("/v1/payment_intents", "POST", create_intent, False),
        ("/v1/payment_intents/{id}", "GET", get_intent, True),
        ("/v1/payment_intents/{id}/confirm", "POST", confirm_intent, True),
        ("/v1/payment_intents/{id}/cancel", "POST", cancel_intent, False),
        ("/v1/refunds", "POST", create_refund, False),
        ("/v1/refunds/{id}", "GET", _getter("refunds", "refund"), False),
        ("/v1/charges/{id}", "GET", _getter("charges", "charge"), False),
        ("/v1/events/{id}", "GET", _getter("events", "event"), False),
        ("/v1/events", "GET", list_events, False),
    ]
    control: list[tuple[str, str, Callable[[PaymentsFake, Request, Obj], Awaitable[Obj]]]] = [
        ("/_control/config", "GET", get_config),
        ("/_control/config", "POST", set_config),
        ("/_control/events", "GET", get_events),
        ("/_control/events/{id}/deliver", "POST", deliver_event),
        ("/_control/release", "POST", release_events),
        ("/_control/requests", "GET", get_requests),
        ("/_control/deliveries", "GET", get_deliveries),
        ("/_control/payment_intents", "GET", get_intents),
        ("/_control/payment_intents/{id}/settle", "POST", settle_intent),
        ("/_control/reset", "POST", reset),
    ]
    routes = [
        Route(path, api_route(fake, handler, client_secret_ok=secret_ok), methods=[method])
        for path, method, handler, secret_ok in api
    ]
    routes += [
        Route(path, control_route(fake, handler), methods=[method])
        for path, method, handler in control
    ]
    every = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    routes.append(Route("/{rest:path}", api_route(fake, None), methods=every))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await fake.dispatcher.close()

    return LoopbackOnly(Starlette(routes=routes, lifespan=lifespan))
