"""The old system's password hashes: ``sha256$<salt>$<hex>``, the hex SHA-256 of salt + password.

Far too fast to stand up to guessing: accounts that still have one get a new hash the next
time they log in successfully (see routers/accounts.py).
"""

import hashlib
import hmac

PREFIX = "sha256$"


def is_legacy(stored: str) -> bool:
    return stored.startswith(PREFIX)


def verify_legacy_sha256(password: str, stored: str) -> bool:
    parts = stored.split("$")
    if len(parts) != 3 or parts[0] != "sha256":
        return False
    _, salt, digest = parts
    actual = hashlib.sha256((salt + password).encode("utf-8")).hexdigest()
    return hmac.compare_digest(actual, digest.lower())
