"""Settings read from the environment once, at start-up."""

import os
from dataclasses import dataclass

# Development default only; set JWT_SECRET in any shared environment.
_DEV_SECRET = "learnpath-conduit-development-secret-not-for-production"


@dataclass(frozen=True)
class Settings:
    database_path: str
    jwt_secret: str
    token_ttl_days: int = 30

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            database_path=os.environ.get("DATABASE_PATH") or "conduit.db",
            jwt_secret=os.environ.get("JWT_SECRET") or _DEV_SECRET,
        )
