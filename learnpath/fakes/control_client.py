"""What every fake's graders' client shares: one httpx client that sends the control token, and
one request helper for the ``/_control`` API that raises :class:`ControlError` on a refusal.

Each fake's ``control`` module subclasses :class:`ControlClient` with its named operations, and
says how its error bodies look (they follow the third party each fake imitates).
"""

from __future__ import annotations

from typing import Any, Self

import httpx

Obj = dict[str, Any]


class ControlError(RuntimeError):
    """The control API refused a request (the message is the fake's own)."""


class ControlClient:
    """The connection to one fake's control API; every call is one HTTP request."""

    def __init__(self, base_url: str, control_token: str, *, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"X-Control-Token": control_token},
            timeout=timeout,
            # The fake is on loopback: a proxy from the environment must not get in the way.
            trust_env=False,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _error_body(text: str) -> Any:
        """A body that was not JSON, in the fake's error shape (here ``{"error": text}``)."""
        return {"error": text}

    @staticmethod
    def _error_message(data: Any, fallback: str) -> str:
        """The message of an error body (here ``{"error": message}``)."""
        message: str = data.get("error", fallback)
        return message

    def _call(self, method: str, path: str, body: Obj | None = None) -> Any:
        response = self._http.request(method, f"/_control{path}", json=body)
        try:
            data = response.json()
        except ValueError:
            data = self._error_body(response.text[:200])
        if response.status_code >= 400:
            message = self._error_message(data, response.text[:200])
            raise ControlError(f"{method} /_control{path} -> {response.status_code}: {message}")
        return data
