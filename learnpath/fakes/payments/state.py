"""The provider's in-memory state: payment intents, charges, refunds and events.

Everything here is synchronous and runs on the server's one event loop, so each operation is
atomic; the HTTP layer (app.py) adds idempotency and the timers of payments that settle later.
"""

from __future__ import annotations

import copy
import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    """A Stripe-looking id such as ``pi_3MtwBwLkdIwHu7ix28a3tqPa``."""
    return prefix + "_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


class ApiError(Exception):
    """An error answered as Stripe does: ``{"error": {"type", "message", "code", "param"}}``.

    ``save`` is False for parameter validation errors: like Stripe, those are not remembered
    under an idempotency key, so the client may fix the request and retry with the same key.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        extra: Obj | None = None,
        save: bool = True,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.extra = extra or {}
        self.save = save

    def body(self) -> Obj:
        """The JSON error object."""
        error: Obj = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
        if self.param:
            error["param"] = self.param
        error.update(self.extra)
        return {"error": error}


def missing(kind: str, ident: str, param: str | None = None) -> ApiError:
    """The 404 for an id that does not exist."""
    return ApiError(404, f"No such {kind}: '{ident}'", code="resource_missing", param=param)


@dataclass(frozen=True, slots=True)
class Card:
    """A card number (or token) with a scripted outcome."""

    number: str
    token: str
    outcome: str  # "succeed" | "decline" | "succeed_later" | "fail_later"
    description: str
    decline_code: str | None = None

    @property
    def last4(self) -> str:
        """The last four digits, as card objects show them."""
        return self.number[-4:]


TEST_CARDS = (
    Card("4242424242424242", "pm_card_visa", "succeed", "succeeds at once"),
    Card(
        "4000000000000002",
        "pm_card_chargeDeclined",
        "decline",
        "declined (generic_decline)",
        "generic_decline",
    ),
    Card(
        "4000000000009995",
        "pm_card_chargeDeclinedInsufficientFunds",
        "decline",
        "declined (insufficient_funds)",
        "insufficient_funds",
    ),
    Card(
        "4000000000003220",
        "pm_card_succeedLater",
        "succeed_later",
        "processing, then succeeds a moment later",
    ),
    Card(
        "4000000000000341",
        "pm_card_failLater",
        "fail_later",
        "processing, then fails a moment later",
    ),
)


def find_card(payment_method: str) -> Card | None:
    """The test card for a number (spaces and dashes ignored) or token."""
    compact = payment_method.replace(" ", "").replace("-", "")
    for card in TEST_CARDS:
        if compact in (card.number, card.token):
            return card
    return None


def _cards_hint() -> str:
    return ", ".join(f"{card.number} ({card.description})" for card in TEST_CARDS)


# Statuses from which a payment intent may still be confirmed or canceled (Stripe's set).
_OPEN = ("requires_payment_method", "requires_confirmation", "requires_action")


@dataclass
class Store:
    """All objects of one provider, and the events their changes produced."""

    on_event: Callable[[Obj], None] = lambda event: None
    intents: dict[str, Obj] = field(default_factory=dict)
    charges: dict[str, Obj] = field(default_factory=dict)
    refunds: dict[str, Obj] = field(default_factory=dict)
    events: dict[str, Obj] = field(default_factory=dict)
    # what a payment in "processing" will end as: "succeed" | "fail"
    pending: dict[str, str] = field(default_factory=dict)

    def clear(self) -> None:
        """Forget every object and event."""
        for table in (self.intents, self.charges, self.refunds, self.events, self.pending):
            table.clear()

    def emit(self, type: str, obj: Obj) -> Obj:
        """Record an event holding a snapshot of ``obj`` and hand it to the webhook dispatcher."""
        event: Obj = {
            "id": new_id("evt"),
            "object": "event",
            "type": type,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": copy.deepcopy(obj)},
        }
        self.events[event["id"]] = event
        self.on_event(event)
        return event

    # Payment intents

    def create_intent(
        self, amount: int, currency: str, metadata: dict[str, str], description: str | None
    ) -> Obj:
        """A new intent waiting for a payment method."""
        ident = new_id("pi")
        intent: Obj = {
            "id": ident,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": 0,
            "amount_refunded": 0,
            "currency": currency,
            "status": "requires_payment_method",
            "client_secret": f"{ident}_secret_{new_id('s', 25)[2:]}",
            "description": description,
            "metadata": metadata,
            "created": int(time.time()),
            "latest_charge": None,
            "payment_method": None,
            "last_payment_error": None,
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": "automatic",
            "confirmation_method": "automatic",
            "livemode": False,
        }
        self.intents[ident] = intent
        self.emit("payment_intent.created", intent)
        return intent

    def intent(self, ident: str) -> Obj:
        """The intent with this id, or a 404."""
        try:
            return self.intents[ident]
        except KeyError:
            raise missing("payment_intent", ident) from None

    def _unexpected_state(self, intent: Obj, action: str) -> ApiError:
        return ApiError(
            400,
            f"You cannot {action} this PaymentIntent because it has a status of "
            f"{intent['status']}.",
            code="payment_intent_unexpected_state",
            extra={"payment_intent": copy.deepcopy(intent)},
        )

    def confirm(self, ident: str, payment_method: str) -> Obj:
        """Pay with a test card; a decline raises a 402 card_error after updating the intent."""
        intent = self.intent(ident)
        if intent["status"] not in _OPEN:
            raise self._unexpected_state(intent, "confirm")
        card = find_card(payment_method)
        if card is None:
            raise ApiError(
                400,
                f"No such PaymentMethod: '{payment_method}'. Use a test card: {_cards_hint()}.",
                code="resource_missing",
                param="payment_method",
                save=False,
            )
        intent["payment_method"] = card.token
        intent["last_payment_error"] = None
        if card.outcome == "succeed":
            self._succeed(intent)
        elif card.outcome == "decline":
            error = self._fail(intent, card, "card_declined", "Your card was declined.")
            raise ApiError(
                402,
                error["message"],
                type="card_error",
                code="card_declined",
                extra={
                    "decline_code": card.decline_code,
                    "payment_intent": copy.deepcopy(intent),
                },
            )
        else:
            intent["status"] = "processing"
            self.pending[ident] = "succeed" if card.outcome == "succeed_later" else "fail"
            self.emit("payment_intent.processing", intent)
        return intent

    def settle(self, ident: str) -> Obj:
        """Finish a payment that is processing, as its test card scripted."""
        intent = self.intent(ident)
        outcome = self.pending.pop(ident, None)
        if intent["status"] != "processing" or outcome is None:
            raise self._unexpected_state(intent, "settle")
        if outcome == "succeed":
            self._succeed(intent)
        else:
            card = find_card(intent["payment_method"] or "")
            assert card is not None
            self._fail(intent, card, "processing_error", "The payment failed while processing.")
        return intent

    def _succeed(self, intent: Obj) -> None:
        charge: Obj = {
            "id": new_id("ch"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": intent["amount"],
            "amount_refunded": 0,
            "refunded": False,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "payment_method": intent["payment_method"],
            "status": "succeeded",
            "paid": True,
            "metadata": dict(intent["metadata"]),
            "created": int(time.time()),
        }
        self.charges[charge["id"]] = charge
        intent["status"] = "succeeded"
        intent["amount_received"] = intent["amount"]
        intent["latest_charge"] = charge["id"]
        self.emit("payment_intent.succeeded", intent)

    def _fail(self, intent: Obj, card: Card, code: str, message: str) -> Obj:
        error: Obj = {
            "type": "card_error",
            "code": code,
            "decline_code": card.decline_code,
            "message": message,
            "payment_method": {"id": card.token, "card": {"last4": card.last4}},
        }
        intent["status"] = "requires_payment_method"
        intent["last_payment_error"] = error
        self.emit("payment_intent.payment_failed", intent)
        return error

    def cancel(self, ident: str, reason: str | None) -> Obj:
        """Cancel an intent that has not been paid (nor is being paid)."""
        intent = self.intent(ident)
        if intent["status"] not in _OPEN:
            raise self._unexpected_state(intent, "cancel")
        intent["status"] = "canceled"
        intent["canceled_at"] = int(time.time())
        intent["cancellation_reason"] = reason
        self.emit("payment_intent.canceled", intent)
        return intent

    # Refunds

    def refund(
        self,
        intent_id: str,
        amount: int | None,
        reason: str | None,
        metadata: dict[str, str],
    ) -> Obj:
        """Refund all that is left of a succeeded payment, or ``amount`` of it."""
        if intent_id not in self.intents:
            raise missing("payment_intent", intent_id, "payment_intent")
        intent = self.intents[intent_id]
        if intent["status"] != "succeeded":
            raise ApiError(
                400,
                f"This PaymentIntent ({intent_id}) does not have a successful charge to refund "
                f"(its status is {intent['status']}).",
                code="charge_not_refundable",
                param="payment_intent",
            )
        charge = self.charges[intent["latest_charge"]]
        left = intent["amount_received"] - intent["amount_refunded"]
        if left <= 0:
            raise ApiError(
                400,
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        value = left if amount is None else amount
        if value > left:
            raise ApiError(
                400,
                f"Refund amount ({value}) is greater than unrefunded amount on charge ({left}).",
                code="amount_too_large",
                param="amount",
            )
        refund: Obj = {
            "id": new_id("re"),
            "object": "refund",
            "amount": value,
            "currency": intent["currency"],
            "payment_intent": intent_id,
            "charge": charge["id"],
            "status": "succeeded",
            "reason": reason,
            "metadata": metadata,
            "created": int(time.time()),
        }
        self.refunds[refund["id"]] = refund
        intent["amount_refunded"] += value
        charge["amount_refunded"] = intent["amount_refunded"]
        charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
        self.emit("refund.created", refund)
        self.emit("charge.refunded", charge)
        return refund
