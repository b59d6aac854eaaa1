"""Settings from the environment. `learnpath run` and `learnpath grade` set them all."""

import os

# The OpenID provider and this app's registration with it (see OAUTH.md).
ISSUER = (os.environ.get("OAUTH_ISSUER") or "").rstrip("/")
CLIENT_ID = os.environ.get("OAUTH_CLIENT_ID") or ""
CLIENT_SECRET = os.environ.get("OAUTH_CLIENT_SECRET") or ""
REDIRECT_URI = os.environ.get("OAUTH_REDIRECT_URI") or "http://127.0.0.1:8000/auth/callback"

# Sign or derive session data with this. learnpath sets a fresh one every grading run.
SESSION_SECRET = os.environ.get("SESSION_SECRET") or "oauth-sessions-development-secret-change-me"
DATABASE_PATH = os.environ.get("DATABASE_PATH") or "app.db"

SESSION_COOKIE = "session"  # the contract's name for the session cookie
