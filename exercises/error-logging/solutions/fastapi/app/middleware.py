"""The outermost layer of every request (a plain ASGI middleware, so nothing escapes it):

- picks the request id (the client's ``X-Request-ID`` when it is valid, else a new one) and
  sends it back on every response, errors and crashes included;
- refuses bodies over ``MAX_BODY`` bytes with a 413, with or without a Content-Length;
- turns any exception a handler did not expect into a generic 500 problem, and logs it with
  its stack trace;
- writes one access line per request, with its status and duration.
"""

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from .logs import redact, request_id
from .problems import problem

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY = 16 * 1024
VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

log = logging.getLogger("app.http")


class TooLarge(Exception):
    pass


def choose_request_id(headers: dict[str, str]) -> str:
    incoming = headers.get("x-request-id", "")
    return incoming if VALID_ID.fullmatch(incoming) else uuid.uuid4().hex


async def read_body(receive: Receive, declared: str | None) -> bytes:
    """The whole body (bodies here are small); TooLarge past MAX_BODY bytes."""
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise TooLarge  # refused before reading a byte
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:  # chunked bodies have no Content-Length: count as they come
            raise TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def body_for_log(body: bytes, content_type: str) -> Any:
    """The body as the debug line shows it: parsed JSON with secrets masked, never raw bytes
    (a body that failed to parse may still hold a password)."""
    if not body:
        return None
    if "json" in content_type:
        try:
            return redact(json.loads(body))
        except ValueError:
            pass
    return f"({len(body)} bytes, not shown)"


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        rid = choose_request_id(headers)
        token = request_id.set(rid)
        method, path = scope["method"], scope["path"]
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", rid.encode("latin-1")),
                ]
            await send(message)

        try:
            body = await read_body(receive, headers.get("content-length"))
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            log.debug(
                "request received",
                extra={
                    "fields": {
                        "method": method,
                        "path": path,
                        "query": redact(query),
                        "headers": redact(headers),
                        "body": body_for_log(body, headers.get("content-type", "")),
                    }
                },
            )
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()  # after the body: wait for the client to go away

            await self.app(scope, replay, send_with_id)
        except TooLarge:
            response = problem(413, f"the body is larger than {MAX_BODY} bytes", path)
            await response(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error in %s %s", method, path)
            if not response_started:
                detail = f"the server failed; quote the request id {rid} when you report it"
                await problem(500, detail, path)(scope, receive, send_with_id)
        finally:
            level = logging.ERROR if status >= 500 else logging.INFO
            log.log(
                level,
                f"{method} {path} {status}",
                extra={
                    "fields": {
                        "method": method,
                        "path": path,
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    }
                },
            )
            request_id.reset(token)
