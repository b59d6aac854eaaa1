"""Extension stage latency: GET /api/articles stays fast under 50 concurrent clients.

The load comes from a minimal HTTP/1.1 keep-alive client on asyncio rather than httpx: a full
client library spends more CPU per request than a small server does, so it would measure itself.
"""

import asyncio
import itertools
import time
from urllib.parse import urlsplit

import pytest

from learnpath.grading.checks import expect, expect_json

CLIENTS = 50
REQUESTS = 500
BUDGET_MS = 250
PAGE = 20
TIMEOUT_S = 10  # one request
DEADLINE_S = 10  # all of them: a healthy server needs about a second


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; returns its status and whether the connection stays open."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    if headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    else:
        await reader.read()  # the body ends when the server closes the connection
        return status, False
    return status, headers.get("connection") != "close"


async def _hammer(host: str, port: int) -> tuple[list[float], list[str]]:
    latencies: list[float] = []
    problems: list[str] = []
    request = f"GET /api/articles HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    todo = iter(range(REQUESTS))

    async def client() -> None:
        conn = None
        # One unmeasured request per client first: connections and any warm-up are not the
        # latency a steady stream of readers sees.
        for measured in itertools.chain([None], todo):
            start = time.perf_counter()
            try:
                if conn is None:
                    conn = await asyncio.open_connection(host, port)
                conn[1].write(request)
                status, keep = await asyncio.wait_for(_read_response(conn[0]), TIMEOUT_S)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                problems.append(f"{type(exc).__name__}: {exc}".strip(": "))
                conn = None
                continue
            if measured is not None:
                latencies.append((time.perf_counter() - start) * 1000)
            if status != 200:
                problems.append(f"status {status}")
            if not keep:
                conn[1].close()
                conn = None
        if conn is not None:
            conn[1].close()

    tasks = [asyncio.ensure_future(client()) for _ in range(CLIENTS)]
    done, pending = await asyncio.wait(tasks, timeout=DEADLINE_S)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        task.result()
    return latencies, problems


@pytest.mark.stage("latency")
def test_list_p95_under_load(api, blog, alice):
    url = urlsplit(str(api.base_url))
    expect(
        url.hostname in ("127.0.0.1", "localhost") and url.scheme == "http",
        f"the load test only runs against a local server (http://127.0.0.1), not {api.base_url}",
    )
    count = expect_json(api.get("/api/articles")).get("articlesCount", 0)
    for _ in range(max(0, PAGE - int(count or 0))):  # a full first page, as in a real blog
        blog.create_article(alice, title=blog.title("Load"), tags=["load"])

    latencies, problems = asyncio.run(_hammer(url.hostname, url.port or 80))
    expect(
        len(latencies) + len(problems) >= REQUESTS,
        f"expected {REQUESTS} GET /api/articles from {CLIENTS} concurrent clients to finish "
        f"within {DEADLINE_S} s, only {len(latencies)} did (is something blocking, e.g. a "
        f"sleep or slow synchronous work in an async handler?)",
    )
    expect(
        not problems,
        f"expected all {REQUESTS} GET /api/articles under load to answer 200, got "
        f"{len(problems)} problems, e.g. {problems[0] if problems else ''}",
    )
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    p50 = latencies[len(latencies) // 2]
    expect(
        p95 <= BUDGET_MS,
        f"expected the p95 latency of GET /api/articles with {CLIENTS} concurrent clients "
        f"({REQUESTS} requests) to be at most {BUDGET_MS} ms, got {p95:.0f} ms "
        f"(median {p50:.0f} ms, slowest {latencies[-1]:.0f} ms)",
    )
