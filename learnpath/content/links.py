"""Check that resource URLs still lead somewhere: ``learnpath validate --links``.

Each URL is asked for once (HEAD, then GET when HEAD fails), following redirects,
with a timeout per request, a bound on requests in flight, and a per-host limit so a site that
hosts many resources is not hammered. A link is *broken* when it ends in 4xx/5xx or cannot be
reached, and *moved* when redirects end somewhere else than the written URL (beyond a trailing
slash or http -> https). Without a network the check is skipped, not failed.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from learnpath.models import Week
from learnpath.yamlsrc import Source

if TYPE_CHECKING:
    import httpx

TIMEOUT = 15.0  # seconds per request
CONCURRENCY = 8  # requests in flight overall
PER_HOST = 2  # requests in flight per host
HOST_INTERVAL = 0.5  # seconds between two requests to one host
PROBES = 3  # hosts tried first to tell "no network" from broken links
USER_AGENT = "learnpath-link-check (+https://github.com/realworld-apps/realworld)"
_UNREACHABLE = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN})

Outcome = Literal["ok", "moved", "broken"]


class NoNetwork(Exception):
    """The first probes could not resolve or route to any host: nothing can be checked."""


@dataclass(frozen=True)
class Result:
    url: str
    outcome: Outcome
    final: str = ""
    status: int | None = None
    detail: str = ""
    unreachable: bool = False  # DNS failure or no route: a sign of no network


@dataclass
class Settings:
    timeout: float = TIMEOUT
    concurrency: int = CONCURRENCY
    per_host: int = PER_HOST
    host_interval: float = HOST_INTERVAL
    probes: int = PROBES


def collect(weeks: Iterable[Week]) -> dict[str, list[str]]:
    """Every resource URL of ``weeks`` and the ``file:line`` places that use it."""
    found: dict[str, list[str]] = {}
    for w in weeks:
        src = Source(w.source, Path(w.source)) if w.source else None
        for i, r in enumerate(w.resources):
            line = src.pos(("resources", i, "url"))[0] if src else 1
            found.setdefault(r.url, []).append(f"{w.source or w.id}:{line}")
    return found


def same_place(written: str, final: str) -> bool:
    """Whether a redirect from ``written`` to ``final`` is cosmetic (trailing slash, https)."""

    def norm(url: str) -> tuple[str, str, str, str]:
        u = urlsplit(url)
        scheme = "https" if u.scheme in ("http", "https") else u.scheme
        return scheme, u.netloc.lower(), u.path.rstrip("/"), u.query

    return norm(written) == norm(final)


def check(urls: Sequence[str], settings: Settings | None = None) -> list[Result]:
    """Check ``urls``; raises :class:`NoNetwork` when the first probes find no network."""
    return asyncio.run(_check(list(dict.fromkeys(urls)), settings or Settings()))


async def _check(urls: list[str], s: Settings) -> list[Result]:
    import httpx

    gates: dict[str, _HostGate] = {}
    limit = asyncio.Semaphore(s.concurrency)
    timeout = httpx.Timeout(s.timeout)
    async with httpx.AsyncClient(
        follow_redirects=True, timeout=timeout, headers={"User-Agent": USER_AGENT}
    ) as client:

        async def one(url: str) -> Result:
            host = urlsplit(url).netloc.lower()
            gate = gates.setdefault(host, _HostGate(s.per_host, s.host_interval))
            async with limit:
                return await _probe(client, url, gate, s.timeout)

        first = _probe_set(urls, s.probes)
        done = {r.url: r for r in await asyncio.gather(*map(one, first))}
        if done and all(r.unreachable for r in done.values()):
            raise NoNetwork
        rest = [u for u in urls if u not in done]
        done.update((r.url, r) for r in await asyncio.gather(*map(one, rest)))
    return [done[u] for u in urls]


def _probe_set(urls: list[str], n: int) -> list[str]:
    """The first URL of each of the first ``n`` hosts."""
    by_host: dict[str, str] = {}
    for u in urls:
        by_host.setdefault(urlsplit(u).netloc.lower(), u)
        if len(by_host) >= n:
            break
    return list(by_host.values())


@dataclass
class _HostGate:
    """At most ``per_host`` requests in flight to one host, started ``interval`` s apart."""

    per_host: int
    interval: float
    _slots: asyncio.Semaphore = field(init=False)
    _lock: asyncio.Lock = field(init=False, default_factory=asyncio.Lock)
    _next: float = 0.0

    def __post_init__(self) -> None:
        self._slots = asyncio.Semaphore(self.per_host)

    async def __aenter__(self) -> None:
        await self._slots.acquire()
        async with self._lock:
            wait = self._next - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._next = time.monotonic() + self.interval

    async def __aexit__(self, *exc: object) -> None:
        self._slots.release()


async def _probe(client: httpx.AsyncClient, url: str, gate: _HostGate, timeout: float) -> Result:
    import httpx

    try:
        status, final = await _request(client, "HEAD", url, gate)
        if status >= 400:
            # Servers refuse HEAD (403, 405, 501) or mishandle it: only GET can say "broken".
            status, final = await _request(client, "GET", url, gate)
    except httpx.TimeoutException:
        return Result(url, "broken", detail=f"no answer within {timeout:g} s")
    except httpx.TooManyRedirects:
        return Result(url, "broken", detail="too many redirects")
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        return Result(url, "broken", detail=_reason(exc), unreachable=_is_unreachable(exc))
    if status >= 400:
        return Result(url, "broken", final, status, f"HTTP {status}")
    if not same_place(url, final):
        return Result(url, "moved", final, status, f"now {final}")
    return Result(url, "ok", final, status)


async def _request(
    client: httpx.AsyncClient, method: str, url: str, gate: _HostGate
) -> tuple[int, str]:
    async with gate, client.stream(method, url) as resp:  # stream: never download a body
        return resp.status_code, str(resp.url)


def _causes(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in out:
        out.append(cur)
        cur = cur.__cause__ or cur.__context__
    return out


def _is_unreachable(exc: BaseException) -> bool:
    """DNS failure or no route to the host: what a machine without a network sees."""
    for e in _causes(exc):
        if isinstance(e, socket.gaierror) or (isinstance(e, OSError) and e.errno in _UNREACHABLE):
            return True
        text = str(e).lower()
        if "name or service not known" in text or "name resolution" in text:
            return True
    return False


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def summary(results: Sequence[Result]) -> dict[str, Any]:
    """How many links were checked, moved and broken."""
    return {
        "checked": len(results),
        "moved": sum(r.outcome == "moved" for r in results),
        "broken": sum(r.outcome == "broken" for r in results),
    }
