"""How every fake runs as a process: the loopback ``--host``/``--port`` options, a bound socket
(``--port 0`` picks a free port), uvicorn on it, one ``ready http://HOST:PORT`` line on stdout
once it accepts connections, and a clean stop on SIGTERM or SIGINT.

The ``ready`` line is the start-up contract with :mod:`learnpath.fakes.launcher` and the
engine's services, so it is printed here only, the same way for every fake.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import sys
from collections.abc import Callable, Coroutine
from typing import Any, Literal

HOSTS = ("127.0.0.1", "localhost", "::1")
# Stop signals that arrive while uvicorn is not handling them itself (start-up, and the signal it
# re-raises after its own clean shutdown).
_stop_signals: list[int] = []


def add_listen_arguments(parser: argparse.ArgumentParser) -> None:
    """``--host`` (loopback only) and ``--port`` (required; 0 picks a free port)."""
    parser.add_argument("--host", default="127.0.0.1", choices=HOSTS, help="loopback only")
    parser.add_argument("--port", type=int, required=True, help="0 picks a free port")


def listen(host: str, port: int) -> tuple[socket.socket, str]:
    """A listening socket and its URL. Bound here rather than by uvicorn so that, with port 0,
    the port is known before serving starts (the OAuth fake's issuer must contain it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return sock, f"http://{shown}:{bound}"


async def serve(app: Any, sock: socket.socket, url: str, *, lifespan: Literal["on", "off"]) -> None:
    """Serve ``app`` on ``sock``, announce ``ready URL`` once it listens, until a signal."""
    import uvicorn

    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan=lifespan,
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    if _stop_signals:
        return
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        if _stop_signals:
            server.should_exit = True
        await asyncio.sleep(0.01)
    # No ready line for a server told to stop before it started: the launcher must not use it.
    if server.started and not server.should_exit:
        print(f"ready {url}", flush=True)
    await task


def _record_stop(signum: int, frame: object) -> None:
    _stop_signals.append(signum)


def run(main: Callable[[], Coroutine[Any, Any, None]], host: str, port: int) -> int:
    """Run ``main`` (which calls :func:`serve`) with stop signals recorded; the exit status:
    0 after a clean stop, 1 when the address cannot be listened on. Other errors propagate so
    a fake can map its own (the payment fake's invalid settings exit 2)."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _record_stop)
    try:
        asyncio.run(main())
    except OSError as err:
        print(f"error: cannot listen on {host}:{port}: {err}", file=sys.stderr)
        return 1
    return 0
