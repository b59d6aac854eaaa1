"""Settings, all from the environment (learnpath sets them for every grading run)."""

import os

DATABASE_PATH = os.environ.get("DATABASE_PATH", "docs.db")

# Stage ssrf: host:port pairs an import may fetch although they are internal addresses (an
# operator's explicit trust), e.g. "127.0.0.1:8001,files.internal:443". Not used yet.
ALLOWED_FETCH_HOSTS = frozenset(
    entry.strip().lower()
    for entry in os.environ.get("ALLOWED_FETCH_HOSTS", "").split(",")
    if entry.strip()
)

# Stage rate-limits: the length of a rate-limit window in seconds. Not used yet.
RATE_LIMIT_WINDOW = float(os.environ.get("RATE_LIMIT_WINDOW_SECONDS", "60"))
