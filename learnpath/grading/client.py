"""``Api``: the HTTP client graders use. It records every exchange and never trusts the server.

Bodies are streamed and capped (a 50 MB answer fails the check instead of filling memory), every
request has a timeout, and network errors become one-line check failures that say where we tried.
"""

from __future__ import annotations

import json as jsonlib
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from learnpath.grading.checks import CheckFailure

if TYPE_CHECKING:
    import httpx

MAX_BODY = 5 * 1024 * 1024
SHOWN_BODY = 2000


@dataclass(slots=True)
class Exchange:
    """One request and what came back (``status`` is None when nothing did)."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: bytes = b""
    error: str | None = None

    def curl(self) -> str:
        """The request as a copy-pasteable ``curl`` command (long bodies are shortened)."""
        parts = ["curl", "-i"]
        if self.method != "GET":
            parts += ["-X", self.method]
        parts.append(shlex.quote(self.url))
        for name, value in self.headers.items():
            parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.body:
            text = self.body.decode("utf-8", "replace")
            if len(text) > SHOWN_BODY:
                text = text[:SHOWN_BODY] + "…"
            parts += ["-d", shlex.quote(text)]
        return " ".join(parts)

    def summary(self) -> str:
        """``HTTP 200 application/json: {...}`` shortened, or the error."""
        if self.status is None:
            return self.error or "no response"
        ctype = self.response_headers.get("content-type", "no content-type")
        text = self.response_body[:300].decode("utf-8", "replace")
        more = "…" if len(self.response_body) > 300 else ""
        return f"HTTP {self.status} ({ctype}) {text}{more}".rstrip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "curl": self.curl(),
            "method": self.method,
            "url": self.url,
            "status": self.status,
            "response": self.summary(),
        }


class Api:
    """A small, recording HTTP client bound to the learner's server."""

    def __init__(self, base_url: str, *, timeout: float = 10.0, max_body: int = MAX_BODY):
        import httpx

        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_body = max_body
        self.exchanges: list[Exchange] = []
        # trust_env=False: a learner's HTTP(S)_PROXY must not route 127.0.0.1 traffic elsewhere.
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout, trust_env=False)

    def close(self) -> None:
        self._client.close()

    def last_exchange(self) -> Exchange | None:
        return self.exchanges[-1] if self.exchanges else None

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        content: bytes | str | None = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """Send one request; the response body is fully read (up to the cap) before returning."""
        import httpx

        sent: dict[str, str] = {}
        body: bytes | None = None
        if json is not None:
            body = jsonlib.dumps(json).encode()
            sent["Content-Type"] = "application/json"
        elif content is not None:
            body = content.encode() if isinstance(content, str) else content
        if token is not None:
            sent["Authorization"] = f"Token {token}"
        sent.update(headers or {})
        request = self._client.build_request(
            method, path, content=body, headers=sent, params=params
        )
        ex = Exchange(method, str(request.url), sent, body)
        self.exchanges.append(ex)
        where = f"{method} {request.url.raw_path.decode()}"
        try:
            response = self._client.send(request, stream=True)
        except httpx.ConnectError as exc:
            ex.error = f"could not connect: {exc}"
            raise CheckFailure(
                f"could not connect to {self.base_url} for {where} ({exc}): nothing accepts "
                "connections there now; did the server stop or crash?"
            ) from None
        except httpx.TimeoutException:
            ex.error = f"no answer within {self.timeout:g} s"
            raise CheckFailure(f"{where} timed out after {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            ex.error = f"connection error: {exc}"
            raise CheckFailure(_broken(where, exc)) from None
        try:
            ex.status = response.status_code
            ex.response_headers = {k.lower(): v for k, v in response.headers.items()}
            data = bytearray()
            try:
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > self.max_body:
                        ex.response_body = bytes(data[:SHOWN_BODY])
                        limit = self.max_body // (1024 * 1024)
                        raise CheckFailure(
                            f"{where}: response body larger than {limit} MB; "
                            "the grader stopped reading"
                        )
            except httpx.TimeoutException:
                ex.error = f"body not complete within {self.timeout:g} s"
                raise CheckFailure(
                    f"{where} timed out after {self.timeout:g} s while reading the body"
                ) from None
            except httpx.HTTPError as exc:
                ex.error = f"connection error: {exc}"
                raise CheckFailure(_broken(where, exc)) from None
            ex.response_body = bytes(data)
        finally:
            response.close()
        # A plain, already-read response: graders can call .json(), .text, .headers freely.
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            content=bytes(data),
            request=request,
        )


def _broken(where: str, exc: Exception) -> str:
    import httpx

    detail = str(exc) or type(exc).__name__
    if "reset" in detail.lower() or "disconnected" in detail.lower():
        return f"{where}: the server closed or reset the connection without an answer ({detail})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{where}: the server's answer is not valid HTTP ({detail})"
    return f"{where}: the connection failed ({detail})"
