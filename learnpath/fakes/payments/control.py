"""The graders' handle on a running fake provider (its ``/_control`` API), over httpx.

control = Control("http://127.0.0.1:PORT", token)
control.set_webhook_url(receiver_url)
control.hold()
...                               # the shopper pays; events queue
ids = control.held()
control.release(order=list(reversed(ids)))
assert all(a["status"] == 200 for a in control.deliveries())
"""

from __future__ import annotations

import time
from typing import Any

from learnpath.fakes.control_client import ControlClient, ControlError, Obj
from learnpath.fakes.payments.signature import HEADER, parse, sign, verify

__all__ = ["HEADER", "Control", "ControlError", "parse", "sign", "verify"]


class Control(ControlClient):
    """Small, named operations on one fake provider; every call is one HTTP request."""

    def __init__(self, base_url: str, control_token: str, *, timeout: float = 120.0) -> None:
        super().__init__(base_url, control_token, timeout=timeout)

    @staticmethod
    def _error_body(text: str) -> Any:
        # Errors are Stripe-shaped: {"error": {"message": ...}}.
        return {"error": {"message": text}}

    @staticmethod
    def _error_message(data: Any, fallback: str) -> str:
        message: str = data.get("error", {}).get("message", fallback)
        return message

    # Settings

    def config(self) -> Obj:
        """webhook_url, mode, retry {base, max_attempts, timeout}, processing_delay."""
        return self._call("GET", "/config")

    def _configure(self, **settings: Any) -> Obj:
        return self._call("POST", "/config", settings)

    def set_webhook_url(self, url: str | None) -> Obj:
        """Where events go (a 127.0.0.1 URL); None stops deliveries."""
        return self._configure(webhook_url=url)

    def hold(self) -> Obj:
        """Queue new events instead of sending them (see :meth:`held`, :meth:`release`)."""
        return self._configure(mode="hold")

    def auto(self) -> Obj:
        """Send new events as they happen (held ones stay held until released)."""
        return self._configure(mode="auto")

    def set_retry_policy(
        self,
        *,
        base: float | None = None,
        max_attempts: int | None = None,
        timeout: float | None = None,
    ) -> Obj:
        """Waits of base, 2*base, 4*base... between at most max_attempts; timeout per attempt."""
        given = {"base": base, "max_attempts": max_attempts, "timeout": timeout}
        return self._configure(retry={k: v for k, v in given.items() if v is not None})

    def set_processing_delay(self, seconds: float | None) -> Obj:
        """How long "later" test cards stay processing; None: until :meth:`settle`."""
        return self._configure(processing_delay=seconds)

    def set_latency(self, seconds: float) -> Obj:
        """Make every API request wait ``seconds`` before it is handled (0: answer at once)."""
        return self._configure(latency=seconds)

    def reset(self) -> None:
        """Forget all objects, events and logs; settings back to those given at start-up."""
        self._call("POST", "/reset")

    # What happened

    def events(self, type: str | None = None) -> list[Obj]:
        """Every event, oldest first (only those of ``type`` when given)."""
        data: list[Obj] = self._call("GET", "/events")["data"]
        return [event for event in data if type is None or event["type"] == type]

    def held(self) -> list[str]:
        """Ids of the events waiting in hold mode, oldest first."""
        held: list[str] = self._call("GET", "/events")["held"]
        return held

    def requests(self, *, method: str | None = None, path: str | None = None) -> list[Obj]:
        """The learner's calls, oldest first: method, path, query, auth ("ok", "missing",
        "invalid"), auth_ok, idempotency_key, replayed, body, status, time, request_id."""
        data: list[Obj] = self._call("GET", "/requests")["data"]
        return [
            entry
            for entry in data
            if (method is None or entry["method"] == method)
            and (path is None or entry["path"] == path)
        ]

    def idempotency_keys(self, path: str = "/v1/payment_intents") -> list[str | None]:
        """The Idempotency-Key of each POST to ``path``, in order (None where none was sent)."""
        return [entry["idempotency_key"] for entry in self.requests(method="POST", path=path)]

    def deliveries(self, event_id: str | None = None) -> list[Obj]:
        """Webhook attempts, oldest first: event_id, type, attempt, trigger, url, signature,
        status (None when no answer), error, ok, time."""
        data: list[Obj] = self._call("GET", "/deliveries")["data"]
        return [entry for entry in data if event_id is None or entry["event_id"] == event_id]

    def payment_intents(self) -> list[Obj]:
        """Every payment intent, oldest first."""
        data: list[Obj] = self._call("GET", "/payment_intents")["data"]
        return data

    # Steering

    def deliver(
        self,
        event_id: str,
        *,
        twice: bool = False,
        delay: float = 0,
        bad_signature: bool = False,
        stale: bool = False,
        timestamp: int | None = None,
        signature: str | None = None,
        retry: bool = False,
        wait: bool = True,
    ) -> list[Obj]:
        """Send one event now; returns its attempts (none when ``wait`` is False).

        ``bad_signature`` signs with another secret; ``stale`` stamps it 10 minutes ago;
        ``timestamp`` stamps it with that unix time; ``signature`` sends that header verbatim
        ("" sends none); ``retry`` applies the retry policy to non-2xx answers.
        """
        body: Obj = {
            "twice": twice,
            "delay": delay,
            "bad_signature": bad_signature,
            "stale": stale,
            "retry": retry,
            "wait": wait,
        }
        if timestamp is not None:
            body["timestamp"] = timestamp
        if signature is not None:
            body["signature"] = signature
        attempts: list[Obj] = self._call("POST", f"/events/{event_id}/deliver", body)["attempts"]
        return attempts

    def release(
        self, order: list[str] | None = None, *, retry: bool = False, wait: bool = True
    ) -> list[Obj]:
        """Send held events one by one, in ``order`` (ids) or as they happened."""
        body: Obj = {"retry": retry, "wait": wait}
        if order is not None:
            body["order"] = order
        attempts: list[Obj] = self._call("POST", "/release", body)["attempts"]
        return attempts

    def settle(self, intent_id: str) -> Obj:
        """Finish a processing payment now, as its test card scripted."""
        intent: Obj = self._call("POST", f"/payment_intents/{intent_id}/settle")
        return intent

    # Waiting (polling with a bound, never a fixed sleep)

    def wait_for_event(
        self, type: str, *, object_id: str | None = None, timeout: float = 10.0
    ) -> Obj:
        """The first event of ``type`` (about ``object_id`` when given); ControlError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events(type):
                if object_id is None or event["data"]["object"].get("id") == object_id:
                    return event
            if time.monotonic() > deadline:
                raise ControlError(f"no {type} event within {timeout} s")
            time.sleep(0.05)

    def wait_for_deliveries(
        self, event_id: str | None = None, *, count: int = 1, timeout: float = 10.0
    ) -> list[Obj]:
        """At least ``count`` attempts (of ``event_id`` when given); ControlError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.deliveries(event_id)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise ControlError(
                    f"expected {count} webhook attempts within {timeout} s, saw {len(found)}"
                )
            time.sleep(0.05)
