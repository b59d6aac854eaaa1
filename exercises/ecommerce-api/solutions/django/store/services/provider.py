"""The payment provider's API (Stripe-like PaymentIntents at $PAYMENTS_URL)."""

import httpx
from django.conf import settings

from ..errors import ApiError

TIMEOUT = httpx.Timeout(10.0, connect=3.0)


class ProviderError(Exception):
    """The provider refused a request: ``status`` and its error object."""

    def __init__(self, status: int, error: dict) -> None:
        super().__init__(f"{status}: {error.get('message')}")
        self.status = status
        self.error = error


def _call(method: str, path: str, *, idempotency_key: str | None = None, **params) -> dict:
    headers = {"Authorization": f"Bearer {settings.PAYMENTS_API_KEY}"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    try:
        response = httpx.request(
            method,
            settings.PAYMENTS_URL + path,
            json=params or None,
            headers=headers,
            timeout=TIMEOUT,
        )
    except httpx.HTTPError:
        raise ApiError(502, "payment", "the payment provider cannot be reached") from None
    try:
        data = response.json()
    except ValueError:
        data = {}
    if response.status_code >= 500 or not isinstance(data, dict):
        raise ApiError(502, "payment", "the payment provider failed")
    if response.status_code >= 400:
        raise ProviderError(response.status_code, data.get("error") or {})
    return data


def create_intent(amount: int, order_id: int, idempotency_key: str) -> dict:
    """A PaymentIntent for ``amount`` euro cents, tagged with the order."""
    return _call(
        "POST",
        "/v1/payment_intents",
        idempotency_key=idempotency_key,
        amount=amount,
        currency="eur",
        metadata={"order_id": str(order_id)},
    )


def get_intent(intent_id: str) -> dict:
    return _call("GET", f"/v1/payment_intents/{intent_id}")


def cancel_intent(intent_id: str, idempotency_key: str) -> dict:
    return _call("POST", f"/v1/payment_intents/{intent_id}/cancel", idempotency_key=idempotency_key)


def create_refund(intent_id: str, amount: int, idempotency_key: str) -> dict:
    return _call(
        "POST",
        "/v1/refunds",
        idempotency_key=idempotency_key,
        payment_intent=intent_id,
        amount=amount,
    )
