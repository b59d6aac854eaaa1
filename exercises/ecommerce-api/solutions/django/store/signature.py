"""Webhook signatures: ``Payments-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>``."""

import hashlib
import hmac
import time

TOLERANCE = 300  # seconds: an older, correctly signed request is a replay


def verify(secret: str, raw_body: bytes, header: str, now: float | None = None) -> bool:
    """True when ``header`` signs the exact bytes received, recently, with ``secret``."""
    if not secret:
        return False
    stamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            if stamp is not None or not value.isascii() or not value.isdigit():
                return False
            stamp = value
        elif key == "v1" and value:
            signatures.append(value)
    if stamp is None or not signatures:
        return False
    if abs((time.time() if now is None else now) - int(stamp)) > TOLERANCE:
        return False
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + raw_body, hashlib.sha256)
    digest = expected.hexdigest()
    # Constant time: how many leading characters match must not show in the response time.
    return any(hmac.compare_digest(digest.encode(), sig.encode()) for sig in signatures)
