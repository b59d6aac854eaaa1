"""The payment provider: a small client for its API and the webhook signature check."""

import hashlib
import hmac
import logging
import time
from typing import Any

import httpx

from .errors import ApiError

log = logging.getLogger("shop.payments")

# A signed webhook older (or newer) than this is a replay.
SIGNATURE_TOLERANCE = 300  # seconds


class PaymentsClient:
    """Calls the provider with our secret key; every POST carries an Idempotency-Key."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url,
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=httpx.Timeout(10.0, connect=3.0),
        )

    async def close(self) -> None:
        await self._http.aclose()

    async def _post(self, path: str, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        try:
            resp = await self._http.post(
                path, json=body, headers={"Idempotency-Key": idempotency_key}
            )
        except httpx.HTTPError as exc:
            log.warning("payment provider unreachable: %s %s: %s", "POST", path, exc)
            raise ApiError(502, {"payments": ["the payment provider is unreachable"]}) from exc
        if resp.status_code >= 400:
            log.warning(
                "payment provider refused POST %s: %s %s", path, resp.status_code, resp.text
            )
            raise ApiError(
                502, {"payments": [f"the payment provider refused ({resp.status_code})"]}
            )
        return resp.json()

    async def create_intent(self, order_id: int, amount: int, key: str) -> dict[str, Any]:
        body = {"amount": amount, "currency": "eur", "metadata": {"order_id": str(order_id)}}
        return await self._post("/v1/payment_intents", body, key)

    async def refund(self, intent_id: str, amount: int, key: str) -> dict[str, Any]:
        return await self._post("/v1/refunds", {"payment_intent": intent_id, "amount": amount}, key)

    async def cancel_intent(self, intent_id: str, key: str) -> None:
        """Best effort: an intent that is already processing or paid cannot be cancelled."""
        try:
            await self._post(f"/v1/payment_intents/{intent_id}/cancel", {}, key)
        except ApiError:
            log.warning("could not cancel payment intent %s", intent_id)


def verify_signature(
    secret: str, raw_body: bytes, header: str | None, now: float | None = None
) -> bool:
    """Check a ``Payments-Signature: t=<unix>,v1=<hex>`` header against the raw body."""
    if not header:
        return False
    parts = [part.split("=", 1) for part in header.split(",") if "=" in part]
    stamps = [value.strip() for key, value in parts if key.strip() == "t"]
    signatures = [value.strip() for key, value in parts if key.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].isascii() or not stamps[0].isdigit() or not signatures:
        return False
    current = time.time() if now is None else now
    if abs(current - int(stamps[0])) > SIGNATURE_TOLERANCE:
        return False
    signed = stamps[0].encode() + b"." + raw_body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    # compare_digest takes as long whatever the first wrong character: no timing oracle.
    return any(hmac.compare_digest(expected.encode(), sig.encode()) for sig in signatures)
