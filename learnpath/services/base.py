"""What every service has in common: its interface, its processes, its temporary folder.

A service's processes run in their own session (so their own process group), are killed as a
group on teardown, and on Linux also get ``PR_SET_PDEATHSIG``: if learnpath itself is killed
with SIGKILL (no ``finally`` runs), they die with it. Each service keeps its files in one
temporary folder named after learnpath's pid, so a later run can remove what a killed one
left behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from learnpath.errors import LearnpathError

TEMP_PREFIX = "learnpath-svc-"
STOP_GRACE = 3.0
LOG_TAIL = 20


class ServiceError(LearnpathError):
    """A service could not be started: grading is impossible (exit 2)."""

    exit_code = 2


@dataclass(slots=True)
class Started:
    """What a running service offers: environment variables for the learner's server, details
    for graders (URLs, tokens, a DSN for direct checks), and lines for ``learnpath run``."""

    env: dict[str, str] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    describe: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Context:
    """What a service may need to know when it starts."""

    app_url: str  # the learner's server, e.g. http://127.0.0.1:PORT (known before it starts)
    options: dict[str, str] = field(default_factory=dict)


class Service:
    """One service for one run. ``start`` returns what it offers; ``stop`` is idempotent, never
    raises, and leaves no process and no file behind (also after a failed ``start``)."""

    name = "service"

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def start(self) -> Started:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError


# -- processes ---------------------------------------------------------------------------------


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGKILL the child when learnpath dies, else None.

    Linux ties this to the *thread* that started the child: start services from a thread that
    lives as long as they do (never from a short-lived one, e.g. to start them in parallel).
    """
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def preexec() -> None:
        # Runs in the child after any user switch (which would clear the setting).
        prctl(pr_set_pdeathsig, signal.SIGKILL)

    return preexec


@dataclass(frozen=True, slots=True)
class RunAs:
    """An unprivileged account to run a service as, when learnpath runs as root."""

    name: str
    uid: int
    gid: int


def unprivileged_user(preferred: Sequence[str] = ("postgres", "nobody")) -> RunAs | None:
    """The account to run servers as that refuse root (PostgreSQL); None when not root."""
    if os.geteuid() != 0:
        return None
    import pwd

    for name in preferred:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return RunAs(name, entry.pw_uid, entry.pw_gid)
    raise ServiceError(
        "learnpath runs as root, and PostgreSQL refuses to: create a user named 'postgres' or "
        "'nobody', or run learnpath as a normal user"
    )


def spawn(
    cmd: list[str],
    *,
    log: IO[bytes] | int,
    cwd: Path,
    env: dict[str, str] | None = None,
    user: RunAs | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``cmd`` in a new session with its output in ``log``; it dies with learnpath."""
    return subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_die_with_parent(),  # noqa: PLW1509 - only calls prctl, see _die_with_parent
        user=user.uid if user else None,
        group=user.gid if user else None,
        extra_groups=[] if user else None,
    )


def run_quiet(
    cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None, user: RunAs | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a short command (``initdb``) to completion, its output captured."""
    return subprocess.run(
        cmd,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
        timeout=120,
        start_new_session=True,
        preexec_fn=_die_with_parent(),
        user=user.uid if user else None,
        group=user.gid if user else None,
        extra_groups=[] if user else None,
    )


def stop_process(
    proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM, grace: float = STOP_GRACE
) -> None:
    """Send ``sig`` to the process, SIGKILL its whole group after ``grace`` s, and reap it."""
    from learnpath.grading.process import group_alive

    if proc is None:
        return
    pgid = proc.pid  # a session leader: its pid is its group's id
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, sig)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    # Children of the service (PostgreSQL's backends) must not outlive it either.
    if proc.poll() is None or group_alive(pgid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):  # SIGKILL cannot be ignored
        proc.wait(timeout=STOP_GRACE)


def log_tail(path: Path, n: int = LOG_TAIL) -> str:
    """The last ``n`` lines of a service's log, joined with `` | `` for a one-line error."""
    try:
        lines = path.read_text("utf-8", "replace").splitlines()
    except OSError:
        return ""
    return " | ".join(line.strip() for line in lines[-n:] if line.strip())


# -- temporary folders -------------------------------------------------------------------------


def make_tempdir(name: str, owner: RunAs | None = None) -> Path:
    """A new private folder for one service of this process, owned by ``owner`` if given."""
    sweep_stale()
    path = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-{name}-"))
    if owner is not None:
        os.chown(path, owner.uid, owner.gid)
    return path


def remove_tempdir(path: Path | None) -> None:
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale() -> None:
    """Remove service folders whose learnpath process no longer exists (it was SIGKILLed; its
    services died with it, their files did not)."""
    root = Path(tempfile.gettempdir())
    with contextlib.suppress(OSError):
        for entry in root.glob(f"{TEMP_PREFIX}*"):
            pid = entry.name.removeprefix(TEMP_PREFIX).split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
                shutil.rmtree(entry, ignore_errors=True)


# -- fakes of third parties ----------------------------------------------------------------------

FAKE_READY_TIMEOUT = 20.0
_FAKE_READY = re.compile(r"^ready (http://127\.0\.0\.1:\d+)\s*$", re.M)


class FakeProcess(Service):
    """A fake third party (``learnpath.fakes.*``) run as its own process. Given ``--port 0`` it
    binds a free port itself and says ``ready http://127.0.0.1:PORT`` on stdout once it listens,
    so no other process can take the port between our choice and its bind; SIGTERM stops it."""

    label = "the fake"  # for messages, e.g. "the payment provider fake"

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.folder: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    def launch(self, cmd: list[str]) -> str:
        """Start ``cmd`` with its output in a log of its own; its URL once it is ready."""
        self.folder = make_tempdir(self.name)
        log_path = self.folder / f"{self.name}.log"
        with log_path.open("ab") as log:
            try:
                self.proc = spawn(cmd, log=log, cwd=self.folder)
            except OSError as exc:
                raise ServiceError(f"could not start {self.label}: {exc}") from None
        deadline = time.monotonic() + FAKE_READY_TIMEOUT
        while True:
            try:
                text = log_path.read_text("utf-8", "replace")
            except OSError:
                text = ""
            ready = _FAKE_READY.search(text)
            if ready:
                return ready.group(1)
            code = self.proc.poll()
            if code is not None:
                raise ServiceError(
                    f"{self.label} exited with code {code} while starting: {log_tail(log_path)}"
                )
            if time.monotonic() > deadline:
                raise ServiceError(
                    f"{self.label} did not say 'ready http://127.0.0.1:PORT' within "
                    f"{FAKE_READY_TIMEOUT:g} s: {log_tail(log_path)}"
                )
            time.sleep(0.02)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        stop_process(proc)
        folder, self.folder = self.folder, None
        remove_tempdir(folder)
