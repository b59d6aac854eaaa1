"""Settings from the environment (learnpath sets them for every run), and the contract's names."""

import os

# The OpenID provider and this app's registration with it.
ISSUER = (os.environ.get("OAUTH_ISSUER") or "").rstrip("/")
CLIENT_ID = os.environ.get("OAUTH_CLIENT_ID") or ""
CLIENT_SECRET = os.environ.get("OAUTH_CLIENT_SECRET") or ""
REDIRECT_URI = os.environ.get("OAUTH_REDIRECT_URI") or "http://127.0.0.1:8000/auth/callback"

# Development default only: learnpath gives the server a fresh SESSION_SECRET every run.
SESSION_SECRET = os.environ.get("SESSION_SECRET") or "oauth-sessions-development-secret-change-me"
DATABASE_PATH = os.environ.get("DATABASE_PATH") or "app.db"

SESSION_COOKIE = "session"
CSRF_HEADER = "x-csrf-token"
SESSION_SECONDS = 8 * 60 * 60  # a signed-in session
LOGIN_SECONDS = 10 * 60  # a sign-in started at /login must come back within this
CLOCK_SKEW_SECONDS = 30  # allowed on the ID token's exp
