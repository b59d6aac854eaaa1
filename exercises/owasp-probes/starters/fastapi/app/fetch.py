"""Fetch a URL for an import."""

import urllib.request

TIMEOUT = 5.0


class Refused(Exception):
    """The URL may not be fetched (answered 422)."""


class FetchFailed(Exception):
    """Fetching the URL failed (answered 502)."""


def fetch(url: str) -> str:
    """The text at ``url``."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:
            return resp.read().decode("utf-8", "replace")
    except (OSError, ValueError) as exc:
        raise FetchFailed(f"could not be fetched ({exc})") from None
