"""JWTs (HS256, signed with $JWT_SECRET) that name a user."""

import datetime as dt

import jwt
from django.conf import settings

LIFETIME = dt.timedelta(days=1)


def issue(user_id: int) -> str:
    """A token for ``user_id`` that expires after LIFETIME."""
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": str(user_id), "iat": now, "exp": now + LIFETIME}
    return jwt.encode(claims, settings.JWT_SECRET, algorithm="HS256")


def user_id(token: str) -> int | None:
    """The user a token names, or None when it is forged, expired or malformed.

    Only HS256 is accepted, so an ``alg: none`` token or one signed with another algorithm
    never passes; ``exp`` and ``sub`` are required.
    """
    try:
        claims = jwt.decode(
            token,
            settings.JWT_SECRET,
            algorithms=["HS256"],
            options={"require": ["exp", "sub"]},
        )
    except jwt.PyJWTError:
        return None
    sub = claims["sub"]
    return int(sub) if isinstance(sub, str) and sub.isdigit() and len(sub) < 19 else None
