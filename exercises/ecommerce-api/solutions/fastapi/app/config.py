"""Settings read from the environment once, at start-up."""

import os
from dataclasses import dataclass

# Development defaults only: learnpath sets every one of these for `learnpath run` and grading.
_DEV = {
    "DATABASE_URL": "postgresql://localhost/shop",
    "JWT_SECRET": "shop-development-secret-not-for-production",
    "PAYMENTS_URL": "http://127.0.0.1:8787",
    "PAYMENTS_API_KEY": "sk_test_local",
    "PAYMENTS_WEBHOOK_SECRET": "whsec_local",
}


def _env(name: str) -> str:
    return os.environ.get(name) or _DEV[name]


@dataclass(frozen=True)
class Settings:
    database_url: str
    jwt_secret: str
    admin_password: str | None
    payments_url: str
    payments_api_key: str
    payments_webhook_secret: str
    token_ttl_hours: int = 24
    pool_size: int = 10

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            database_url=_env("DATABASE_URL"),
            jwt_secret=_env("JWT_SECRET"),
            # No default: without it no admin is seeded, rather than one with a known password.
            admin_password=os.environ.get("ADMIN_PASSWORD") or None,
            payments_url=_env("PAYMENTS_URL").rstrip("/"),
            payments_api_key=_env("PAYMENTS_API_KEY"),
            payments_webhook_secret=_env("PAYMENTS_WEBHOOK_SECRET"),
        )
