"""Start the learner's backend, wait until it answers, and always tear down its process group.

The backend runs through the shell in its own session (so in its own process group): teardown
signals the whole group, which also reaches ``npm``'s or ``uvicorn --reload``'s children.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from learnpath.errors import LearnpathError

TERM_GRACE = 3.0
LOG_LINES = 400
PROBE_TIMEOUT = 5.0  # seconds one readiness request may wait for an answer
# What a server prints when a package it needs is not installed (Python, Node, the shell).
MISSING_DEPENDENCY = re.compile(
    r"No module named|ModuleNotFoundError|Cannot find module|Cannot find package"
    r"|ERR_MODULE_NOT_FOUND|command not found|: not found$"
)
# Tools installed into the project itself, found first on PATH the way an activated venv or
# `npm run` finds them.
PROJECT_BIN_DIRS = (".venv/bin", "venv/bin", "node_modules/.bin")


class BackendError(LearnpathError):
    """The backend could not be started or never became ready: grading is impossible (exit 2)."""

    exit_code = 2

    def __init__(self, message: str, logs: list[str] | None = None):
        super().__init__(message)
        self.logs = logs or []


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def probe_raw(host: str, port: int, path: str, timeout: float = 2.0) -> str:
    """Send one bare HTTP request and say what came back: ``"reset"``, ``"closed"`` (no bytes),
    ``"silent:SECONDS"``, ``"refused"``, ``"http"``, ``"not-http:<the first bytes>"``, or
    ``"error:<why>"``."""
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(request.encode("latin-1"))
            data = s.recv(64)
    except ConnectionRefusedError:
        return "refused"
    except ConnectionError:  # reset, aborted, broken pipe
        return "reset"
    except TimeoutError:
        return f"silent:{timeout:g}"
    except OSError as exc:
        return f"error:{exc.strerror or exc}"
    if not data:
        return "closed"
    if data.startswith(b"HTTP/"):
        return "http"
    return f"not-http:{data[:40]!r}"


def _refused(exc: BaseException) -> bool:
    """Whether a connection error was "connection refused" (httpx also reports a connection
    reset right after the handshake as a ConnectError)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or "refused" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # SO_REUSEADDR: connections in TIME_WAIT do not count, only a live listener does.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


PROC = Path("/proc")


def group_alive(pgid: int) -> bool:
    """Whether any process of the group ``pgid`` still exists (zombies count as gone).

    ``killpg(pgid, 0)`` also succeeds for a group of zombies, so a member's state decides: from
    ``/proc`` on Linux, from ``ps`` elsewhere (macOS has no ``/proc``).
    """
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's group reused the id
        return True
    states = _group_states_proc(pgid) if PROC.is_dir() else _group_states_ps(pgid)
    if states is None:  # cannot tell: assume alive, so that teardown still escalates to SIGKILL
        return True
    return any(not state.startswith("Z") for state in states)


def _group_states_proc(pgid: int) -> list[str]:
    states = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp ..." — comm may contain spaces and parentheses.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 2 and int(fields[2]) == pgid:
            states.append(fields[0])
    return states


def _group_states_ps(pgid: int) -> list[str] | None:
    """Process states of the group from ``ps`` (POSIX ``-A -o``: Linux, macOS, the BSDs)."""
    try:
        out = subprocess.run(
            ["ps", "-A", "-o", "pgid=", "-o", "stat="],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    states = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == str(pgid):
            states.append(parts[1])
    return states


def kill_group(pgid: int, grace: float = TERM_GRACE) -> None:
    """SIGTERM the group, wait up to ``grace`` seconds, then SIGKILL whatever is left."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not group_alive(pgid):
            return
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


class Backend:
    """The learner's server, started with ``PORT`` set to a free port on 127.0.0.1."""

    def __init__(
        self,
        project_dir: Path,
        run: str,
        *,
        env: dict[str, str] | None = None,
        ready_path: str = "/",
        start_timeout: float = 20.0,
        port: int | None = None,
        install: str | None = None,
    ):
        self.project_dir = project_dir
        self.install = install
        self.run = run
        self.extra_env = env or {}
        # Variables a grader removed for later starts, also when inherited (see ``restart``).
        self.unset_env: set[str] = set()
        self.ready_path = ready_path
        self.start_timeout = start_timeout
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self._lines: deque[str] = deque(maxlen=LOG_LINES)
        self._reader: threading.Thread | None = None
        self.total_lines = 0
        self.on_spawn: Callable[[int], None] | None = None
        # Called with each line the server writes (``learnpath run`` streams them).
        self.on_line: Callable[[str], None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pgid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def logs(self, n: int = 30, since: int | None = None) -> list[str]:
        """The last ``n`` lines the backend wrote (stdout and stderr, interleaved); with
        ``since`` (an earlier ``total_lines``), only those written after it."""
        if since is not None:
            n = min(n, self.total_lines - since)
        return list(self._lines)[-n:] if n > 0 else []

    def start(self) -> None:
        """Start the backend and wait until it answers HTTP; :class:`BackendError` if it can't."""
        self.spawn()
        self.wait_ready()

    def spawn(self) -> None:
        """Start the run command in a new session; ``on_spawn(pgid)`` is told its group id."""
        env = {**os.environ, **self.extra_env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        for name in self.unset_env:
            env.pop(name, None)
        env["PATH"] = project_path(self.project_dir, env.get("PATH", os.defpath))
        # A learner's Python backend should not buffer its output: we show it on failures.
        env.setdefault("PYTHONUNBUFFERED", "1")
        try:
            self.proc = subprocess.Popen(
                self.run,
                shell=True,
                cwd=self.project_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            raise BackendError(f"could not run '{self.run}': {exc.strerror or exc}") from None
        self._reader = threading.Thread(target=self._read, args=(self.proc,), daemon=True)
        self._reader.start()
        if self.on_spawn is not None:
            self.on_spawn(self.proc.pid)

    def _read(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        # readline with a limit: a backend printing one enormous line cannot exhaust memory.
        while raw := proc.stdout.readline(8192):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")[:2000]
            self._lines.append(line)
            self.total_lines += 1
            if self.on_line is not None:
                self.on_line(line)

    def wait_ready(self) -> None:
        """Poll until any HTTP answer; fail early if the process exits, late if it never answers.

        Until the deadline a refused connection just means "not listening yet". At the deadline
        the error says what the last attempt actually saw: nothing listening, a connection that
        got no answer, one reset or closed without an answer, or bytes that are not HTTP.
        """
        import httpx

        assert self.proc is not None
        deadline = time.monotonic() + self.start_timeout
        url = self.url + self.ready_path
        last = "refused"
        # A slow first answer (lazy start-up) still counts; the last attempt may end up to
        # this much after the deadline, never more.
        wait = min(PROBE_TIMEOUT, self.start_timeout)
        # trust_env=False: an HTTP(S)_PROXY in the environment must not intercept 127.0.0.1.
        with httpx.Client(trust_env=False) as client:
            while True:
                code = self.proc.poll()
                if code is not None:
                    self._drain()
                    message = self._exit_message(code)
                    fix = missing_dependency_fix(self.logs(LOG_LINES), self.install)
                    raise BackendError(f"{message}. {fix}" if fix else message, self.logs())
                try:
                    client.get(url, timeout=httpx.Timeout(wait, connect=min(1.0, wait)))
                    return  # any HTTP answer means the server is up
                except httpx.HTTPError as exc:
                    last = self._classify(exc, wait)
                if time.monotonic() > deadline and self.proc.poll() is None:
                    raise BackendError(self._not_ready_message(last), self.logs())
                time.sleep(0.05)

    def _classify(self, exc: Exception, waited: float) -> str:
        """What a failed readiness request saw, as a phrase for the error message."""
        import httpx

        if isinstance(exc, httpx.ConnectTimeout):
            return "connect-timeout"
        if isinstance(exc, httpx.ConnectError) and _refused(exc):
            return "refused"
        if isinstance(exc, httpx.TimeoutException):
            return f"silent:{waited:g}"
        # Reset, closed, or not HTTP: httpx's wording does not tell these apart, a raw probe does.
        seen = probe_raw("127.0.0.1", self.port, self.ready_path)
        return f"not-http:{exc}" if seen == "http" else seen  # HTTP-like but malformed

    def _not_ready_message(self, last: str) -> str:
        where = f"127.0.0.1:{self.port}"
        req = f"GET {self.ready_path}"
        tail = f"(started with: {self.run})"
        if last == "refused":
            return (
                f"nothing listens on {where} after {self.start_timeout:g} s {tail}. Your server "
                f"must listen on 127.0.0.1 (or 0.0.0.0) and the port in the PORT environment "
                f"variable ({self.port})"
            )
        if last == "connect-timeout":
            return f"connecting to {where} timed out: the server does not accept connections {tail}"
        if last.startswith("silent:"):
            return (
                f"your server accepted the connection on {where} but sent no HTTP answer to "
                f"{req} within {last.split(':', 1)[1]} s {tail}. Is a handler blocked, or is the "
                "server still busy starting? (--start-timeout gives it longer)"
            )
        if last == "reset":
            return (
                f"your server accepted the connection on {where} but reset it without an HTTP "
                f"answer to {req} {tail}"
            )
        if last == "closed":
            return (
                f"your server accepted the connection on {where} but closed it without an HTTP "
                f"answer to {req} {tail}"
            )
        if last.startswith("error:"):
            return f"{req} on {where} failed: {last.removeprefix('error:')} {tail}"
        return (
            f"your server on {where} answered {req} with something that is not valid HTTP: "
            f"{last.removeprefix('not-http:')} {tail}. Does PORT serve plain HTTP?"
        )

    def _exit_message(self, code: int) -> str:
        if code == 127:
            return (
                f"the run command was not found: '{self.run}' (exit code 127; check learnpath.yml)"
            )
        return f"your server exited with code {code} before it was ready (run: {self.run})"

    def _drain(self) -> None:
        if self._reader is not None:
            self._reader.join(timeout=1.0)

    def stop(self) -> None:
        """Stop the whole process group (SIGTERM, then SIGKILL) and reap the shell."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        kill_group(proc.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):  # SIGKILL cannot be ignored
            proc.wait(timeout=TERM_GRACE)
        if self._reader is not None:
            self._reader.join(timeout=1.0)
            if self._reader.is_alive():
                # A process that left the group still holds the pipe open: closing it now would
                # wait for the reader's lock forever. The daemon reader ends with the worker.
                return
        if proc.stdout is not None:
            proc.stdout.close()

    def restart(self) -> None:
        """Stop and start again on the same port, waiting until it answers."""
        self.stop()
        # The old listener may linger a moment; wait (bounded) until the port can be bound.
        deadline = time.monotonic() + TERM_GRACE
        while not port_is_free(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.start()

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def project_path(project_dir: Path, path: str) -> str:
    """``PATH`` with the project's own tool folders first (``.venv/bin``, ``node_modules/.bin``),
    so ``python`` and ``uvicorn`` are the project's as when the learner activated its venv."""
    own = [str(project_dir / d) for d in PROJECT_BIN_DIRS if (project_dir / d).is_dir()]
    return os.pathsep.join([*own, path]) if own else path


def missing_dependency_fix(logs: list[str], install: str | None) -> str | None:
    """One line naming the install command when the server's output says a package is missing."""
    hit = next((line.strip() for line in logs if MISSING_DEPENDENCY.search(line)), None)
    if hit is None:
        return None
    where = "in your project folder (inside its virtual environment, if it has one)"
    if install:
        return f"A dependency is missing ({hit}): run '{install}' {where}, then grade again"
    return f"A dependency is missing ({hit}): install it {where}, then grade again"
