"""Webhook delivery: signed POSTs to the learner's endpoint, retried with exponential backoff.

In "auto" mode every event is sent as it happens; in "hold" mode events queue until a grader
releases them (in any order). Graders can also send one event with faults: twice, late, with a bad
signature, or with a stale or chosen timestamp. Every attempt is logged.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Coroutine
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from learnpath.fakes.payments import signature
from learnpath.fakes.payments.state import ApiError, Obj

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# A stale timestamp is this far in the past: beyond any sensible tolerance (5 minutes).
STALE_SECONDS = 600


@dataclass
class RetryPolicy:
    """``max_attempts`` tries, waiting ``base``, 2*base, 4*base... seconds between them."""

    base: float = 0.5
    max_attempts: int = 6
    timeout: float = 5.0

    def update(self, values: dict[str, Any]) -> None:
        """Change some fields, within bounds that keep every retry loop short."""
        limits = {"base": (0.0, 60.0), "max_attempts": (1, 10), "timeout": (0.1, 30.0)}
        for name, value in values.items():
            low, high = limits[name]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ApiError(400, f"{name} must be a number", param=name)
            if name == "max_attempts" and not isinstance(value, int):
                raise ApiError(400, "max_attempts must be a whole number", param=name)
            if not low <= value <= high:
                raise ApiError(400, f"{name} must be between {low} and {high}", param=name)
            setattr(self, name, value)


def check_url(url: str) -> str:
    """An http URL on this machine; a fake never sends anything elsewhere."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname not in LOOPBACK:
        raise ApiError(400, f"webhook URL must be http://127.0.0.1:PORT/...; got {url!r}")
    return url


@dataclass(frozen=True)
class Fault:
    """How to spoil or shape one delivery."""

    bad_signature: bool = False
    stale: bool = False
    timestamp: int | None = None
    signature: str | None = None  # sent verbatim instead of a computed header ("" omits it)


class Dispatcher:
    """Sends events to the webhook URL and keeps the delivery log."""

    def __init__(self, secret: str, url: str | None) -> None:
        self.secret = secret
        self.initial_url = url
        self.url = url
        self.mode = "auto"
        self.policy = RetryPolicy()
        self.held: list[str] = []
        self.log: list[Obj] = []
        self.tasks: set[asyncio.Task[Any]] = set()
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        """One connection pool for all deliveries; never reads proxy settings."""
        if self._client is None:
            self._client = httpx.AsyncClient(trust_env=False, follow_redirects=False)
        return self._client

    def spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``work`` in the background; reset and shutdown cancel it."""
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def config(self) -> Obj:
        """The delivery settings, as the control API shows them."""
        return {"webhook_url": self.url, "mode": self.mode, "retry": asdict(self.policy)}

    def event_created(self, event: Obj) -> None:
        """Send a new event now (auto) or queue it (hold)."""
        if self.mode == "hold":
            self.held.append(event["id"])
        elif self.url:
            self.spawn(self.deliver(event, retry=True, trigger="auto"))

    async def deliver(
        self,
        event: Obj,
        *,
        fault: Fault | None = None,
        twice: bool = False,
        delay: float = 0.0,
        retry: bool = False,
        trigger: str = "control",
    ) -> list[Obj]:
        """Send one event (twice when asked), retrying non-2xx answers when ``retry``."""
        if delay > 0:
            await asyncio.sleep(delay)
        entries: list[Obj] = []
        for _ in range(2 if twice else 1):
            entries.extend(await self._send_until_ok(event, fault or Fault(), retry, trigger))
        return entries

    async def _send_until_ok(
        self, event: Obj, fault: Fault, retry: bool, trigger: str
    ) -> list[Obj]:
        entries: list[Obj] = []
        attempts = self.policy.max_attempts if retry else 1
        for attempt in range(1, attempts + 1):
            entry = await self._attempt(event, fault, attempt, trigger)
            entries.append(entry)
            if entry["ok"] or attempt == attempts:
                break
            await asyncio.sleep(self.policy.base * 2 ** (attempt - 1))
        return entries

    async def _attempt(self, event: Obj, fault: Fault, attempt: int, trigger: str) -> Obj:
        body = json.dumps(event, separators=(",", ":"))
        now = int(time.time())
        stamp = fault.timestamp if fault.timestamp is not None else now
        if fault.stale:
            stamp = now - STALE_SECONDS
        secret = self.secret + "-not-the-secret" if fault.bad_signature else self.secret
        header = signature.sign(secret, body, stamp) if fault.signature is None else fault.signature
        headers = {"Content-Type": "application/json", "User-Agent": "learnpath-payments/1"}
        if header:
            headers[signature.HEADER] = header
        entry: Obj = {
            "event_id": event["id"],
            "type": event["type"],
            "attempt": attempt,
            "trigger": trigger,
            "url": self.url,
            "signature": header,
            "status": None,
            "error": None,
            "ok": False,
            "time": time.time(),
        }
        if not self.url:
            entry["error"] = "no webhook URL is set"
        else:
            try:
                response = await self.client.post(
                    self.url, content=body.encode(), headers=headers, timeout=self.policy.timeout
                )
            except httpx.TimeoutException:
                entry["error"] = f"no answer within {self.policy.timeout} s"
            except httpx.HTTPError as err:
                entry["error"] = f"{type(err).__name__}: {err}"
            else:
                entry["status"] = response.status_code
                entry["ok"] = 200 <= response.status_code < 300
        self.log.append(entry)
        return entry

    async def release(
        self, order: list[str] | None, events: dict[str, Obj], *, retry: bool
    ) -> list[Obj]:
        """Send held events one after another: in ``order`` if given, else as they happened."""
        chosen = list(self.held) if order is None else order
        for ident in chosen:
            if ident not in self.held:
                raise ApiError(400, f"event {ident} is not held", param="order")
        for ident in chosen:
            self.held.remove(ident)
        entries: list[Obj] = []
        for ident in chosen:
            entries.extend(await self.deliver(events[ident], retry=retry, trigger="release"))
        return entries

    def cancel_all(self) -> None:
        """Stop every pending delivery and timer."""
        for task in list(self.tasks):
            task.cancel()
        self.tasks.clear()

    def reset(self) -> None:
        """Back to the settings the process started with, with empty logs."""
        self.cancel_all()
        self.url = self.initial_url
        self.mode = "auto"
        self.policy = RetryPolicy()
        self.held.clear()
        self.log.clear()

    async def close(self) -> None:
        """Cancel what is pending and close connections (shutdown)."""
        pending = list(self.tasks)
        self.cancel_all()
        await asyncio.gather(*pending, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None
