"""Start an exercise's services for one run and always stop them again.

:func:`start_all` is a context manager: services start in the order the exercise lists them
and stop in reverse order when the block ends, whether it ends normally, with an exception, or
with Ctrl-C; SIGTERM and SIGHUP are turned into the same clean stop while it runs, and an
``atexit`` hook catches anything left (e.g. ``sys.exit`` in a thread).
"""

from __future__ import annotations

import atexit
import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NoReturn

from learnpath.services import CATALOG
from learnpath.services.base import Context, Service, ServiceError, Started


def _factories() -> dict[str, Callable[[Context], Service]]:
    from learnpath.services.oauth import OAuth
    from learnpath.services.payments import Payments
    from learnpath.services.postgres import Postgres

    return {"postgres": Postgres, "payments": Payments, "oauth": OAuth}


@dataclass(slots=True)
class Running:
    """The services of one run: the environment for the learner's server (merged over all of
    them), details for graders by service name, and lines describing each for people."""

    env: dict[str, str] = field(default_factory=dict)
    info: dict[str, dict[str, Any]] = field(default_factory=dict)
    describe: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


_live: list[Service] = []
_live_lock = threading.Lock()


def _stop_leftovers() -> None:
    """At interpreter exit: stop whatever a ``finally`` did not reach."""
    with _live_lock:
        left = list(reversed(_live))
        _live.clear()
    for service in left:
        with contextlib.suppress(Exception):
            service.stop()


atexit.register(_stop_leftovers)


def _raise_interrupt(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """While services run, SIGTERM and SIGHUP stop them cleanly as Ctrl-C does (by default
    they would end the process without running any ``finally``)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[signal.Signals, Any] = {}
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is signal.SIG_DFL:
            previous[signum] = signal.signal(signum, _raise_interrupt)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def check_names(names: tuple[str, ...] | list[str]) -> None:
    unknown = [n for n in names if n not in CATALOG]
    if unknown:
        raise ServiceError(f"unknown service '{unknown[0]}'; known: {', '.join(sorted(CATALOG))}")


@contextlib.contextmanager
def start_all(
    names: tuple[str, ...] | list[str],
    *,
    app_url: str,
    options: dict[str, dict[str, str]] | None = None,
) -> Iterator[Running]:
    """Start the services ``names`` for a learner's server at ``app_url``; yield what they
    offer; stop them all (and remove their files) when the block ends, however it ends."""
    check_names(names)
    running = Running()
    if not names:
        yield running
        return
    factories = _factories()
    started: list[Service] = []
    with _signals_interrupt():
        try:
            for name in names:
                opts = {**CATALOG[name], **((options or {}).get(name) or {})}
                service = factories[name](Context(app_url=app_url, options=opts))
                with _live_lock:
                    _live.append(service)
                started.append(service)
                t0 = time.monotonic()
                offered: Started = service.start()
                running.seconds[name] = round(time.monotonic() - t0, 3)
                running.env.update(offered.env)
                running.info[name] = dict(offered.info)
                running.describe.extend(offered.describe)
            yield running
        finally:
            # A service whose stop is interrupted (Ctrl-C again) stays listed for atexit.
            for service in reversed(started):
                service.stop()
                with _live_lock, contextlib.suppress(ValueError):
                    _live.remove(service)
