"""Settings, all from the environment (learnpath sets them for every grading run)."""

import os

DATABASE_PATH = os.environ.get("DATABASE_PATH", "docs.db")

# host:port pairs that may be imported from although they are internal addresses (an
# operator's explicit trust), e.g. "127.0.0.1:8001,files.internal:443".
ALLOWED_FETCH_HOSTS = frozenset(
    entry.strip().lower()
    for entry in os.environ.get("ALLOWED_FETCH_HOSTS", "").split(",")
    if entry.strip()
)

# The length of a rate-limit window in seconds.
RATE_LIMIT_WINDOW = float(os.environ.get("RATE_LIMIT_WINDOW_SECONDS", "60"))
LOGIN_LIMIT = 5  # login attempts per client address and window
EXPORT_LIMIT = 3  # exports per account and window
