"""Settings, from the environment learnpath (or your shell) gives the server."""

import os

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
# Django wants one for its own signing; sign your tokens with JWT_SECRET instead (stage 2 on).
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or os.urandom(32).hex()
JWT_SECRET = os.environ.get("JWT_SECRET", "")

INSTALLED_APPS = ["blog"]
MIDDLEWARE = ["blog.errors.JsonErrorsMiddleware"]
ROOT_URLCONF = "conduit.urls"
WSGI_APPLICATION = "conduit.wsgi.application"
# /api/articles/ is not /api/articles: no redirects an API client would have to follow.
APPEND_SLASH = False

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        # learnpath gives every grading run a fresh, empty file of its own.
        "NAME": os.environ.get("DATABASE_PATH") or "conduit.db",
        "OPTIONS": {
            # Several threads write: WAL lets readers go on during a write, IMMEDIATE takes the
            # write lock when a transaction starts (no "database is locked" half-way through),
            # and timeout waits for a busy lock instead of failing at once.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 10,
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Stage 2: hash passwords with django.contrib.auth.hashers.make_password (scrypt: slow and
# salted for attackers, fast enough for a test run that signs up many users).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.ScryptPasswordHasher"]

USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
