"""Requests from other addresses of the loopback network (``127.a.b.c``), for graders that
tell limits per client address from limits per account. Linux routes all of 127.0.0.0/8 to
itself; where the system cannot send from another address, checks that need one are skipped.
"""

from __future__ import annotations

import itertools
import random
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from learnpath.grading.checks import CheckFailure
from learnpath.grading.client import Api, Exchange

if TYPE_CHECKING:
    import httpx


@dataclass(slots=True)
class BoundExchange(Exchange):
    """An exchange sent from another loopback address: its curl line says which."""

    ip: str = ""

    def curl(self) -> str:
        return Exchange.curl(self).replace("curl -i", f"curl -i --interface {self.ip}", 1)


class BoundApi(Api):
    """The grader's client, sending from ``ip`` (its requests show in failure reports)."""

    def __init__(self, api: Api, ip: str) -> None:
        import httpx

        super().__init__(api.base_url, timeout=api.timeout)
        self._client.close()
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=api.timeout,
            trust_env=False,
            transport=httpx.HTTPTransport(local_address=ip),
        )
        self.exchanges = api.exchanges  # shared: a failing check shows these requests too
        self.ip = ip

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        mark = len(self.exchanges)
        try:
            return super().request(method, path, **kwargs)
        finally:
            if len(self.exchanges) > mark and type(self.exchanges[mark]) is Exchange:
                ex = self.exchanges[mark]
                fields = {name: getattr(ex, name) for name in Exchange.__dataclass_fields__}
                self.exchanges[mark] = BoundExchange(**fields, ip=self.ip)


class Addresses:
    """Clients that each send from a fresh address ``127.a.b.c`` of this run."""

    def __init__(self, api: Api, uid: str) -> None:
        self.api = api
        rnd = random.Random(uid)
        self._prefix = f"127.{rnd.randint(16, 250)}"
        self._third = rnd.randint(0, 255)
        self._hosts = itertools.count()
        self._why_not: str | None = None
        self._checked = False
        self.clients: list[BoundApi] = []

    def _next_ip(self) -> str:
        n = next(self._hosts)
        return f"{self._prefix}.{(self._third + n // 250) % 256}.{n % 250 + 2}"

    def _check(self) -> None:
        self._checked = True
        host = urlsplit(self.api.base_url).hostname or ""
        if host not in ("127.0.0.1", "localhost"):
            self._why_not = f"your server is at {host}, not on this machine's loopback network"
            return
        ip = self._next_ip()
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind((ip, 0))
        except OSError as exc:
            self._why_not = (
                f"this system cannot send from {ip} ({exc.strerror or exc}): Linux routes all "
                f"of 127.0.0.0/8 to itself; on macOS, `sudo ifconfig lo0 alias {ip} up` adds "
                "the address"
            )
            return
        probe = BoundApi(self.api, ip)
        try:
            probe.get("/api/health")
        except CheckFailure as exc:
            self._why_not = f"your server did not answer a request sent from {ip}: {exc}"
        finally:
            probe.close()

    def available(self) -> bool:
        if not self._checked:
            self._check()
        return self._why_not is None

    def client(self) -> BoundApi:
        """A client on a fresh address; skips the check when the system cannot make one."""
        if not self.available():
            import pytest

            pytest.skip(f"needs requests from several addresses: {self._why_not}")
        made = BoundApi(self.api, self._next_ip())
        self.clients.append(made)
        return made

    def client_or_main(self) -> Api:
        """A fresh address when the system allows one, else the grader's own client."""
        return self.client() if self.available() else self.api
