"""Password hashing with Argon2id, at OWASP's minimum cost (19 MiB of memory, 2 passes).

argon2-cffi puts a random salt and the parameters in every hash it returns
(``$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>``), so raising the cost later only needs
``check_needs_rehash``.
"""

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import legacy

_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, stored: str) -> tuple[bool, bool]:
    """Whether ``password`` matches ``stored``, and whether ``stored`` should be replaced."""
    if legacy.is_legacy(stored):
        return legacy.verify_legacy_sha256(password, stored), True
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False, False
    return True, _hasher.check_needs_rehash(stored)


# Checked against when the email is unknown: that login then costs what a wrong password
# costs, so its timing does not tell who has an account.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def waste_time_like_a_check(password: str) -> None:
    verify_password(password, _DUMMY_HASH)
