"""The pytest plugin object that turns grader files into a stage-by-stage grading run.

It provides the fixtures graders use (``api``, ``uid``, ``server``, ``services``), selects and
orders tests by their ``@pytest.mark.stage``, bounds each check in time, stops after the first
failing stage when asked, and reports every result through ``emit`` (one dict per test) —
results come from pytest's hooks, never from its text output.
"""

from __future__ import annotations

import inspect
import re
import signal
import textwrap
import time
import types
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest

from learnpath.grading.checks import CheckFailure
from learnpath.grading.client import Api
from learnpath.grading.process import LOG_LINES, Backend, BackendError

Emit = Callable[[dict[str, Any]], None]
SERVER_LOG_LINES = 15
TRACEBACK_LINES = 12  # of a grader error's traceback
EARLIER_REQUESTS = 6  # requests a failing check depends on, shown as curl lines
LOG_SETTLE = 0.05  # seconds, once per failing check
_EXC = re.compile(r"^([\w.]+): (.*)$", re.S)
_CHECK_TYPES = {"CheckFailure", "CheckTimeout", "AssertionError", "Failed"}


class CheckTimeout(CheckFailure):
    """A whole check took longer than its limit."""


class ServerHandle:
    """What the ``server`` fixture gives graders: the learner's backend, or a ``--url`` server."""

    def __init__(
        self,
        url: str,
        backend: Backend | None,
        project_dir: Path,
        config: dict[str, Any],
        env: dict[str, str] | None = None,
    ):
        self.url = url
        self.backend = backend
        self.project_dir = project_dir
        self.config = config
        # What learnpath gave the server this run (DATABASE_PATH, the exercise's secrets).
        self.env = dict(env or {}) if backend is not None else {}

    @property
    def started(self) -> bool:
        """Whether learnpath started the server itself (not so with ``grade --url``)."""
        return self.backend is not None

    @property
    def database_path(self) -> Path | None:
        """The fresh database file the server was given this run (None with ``--url``)."""
        path = self.env.get("DATABASE_PATH")
        return Path(path) if path else None

    def require_started(self, why: str) -> None:
        """End the current check as *skipped*, not failed, when the server was started
        elsewhere: some things (a restart, the database file) only exist for a server
        learnpath started."""
        if not self.started:
            pytest.skip(f"not checked with --url: {why}")

    def logs(self, n: int = 30, since: int | None = None) -> list[str]:
        return self.backend.logs(n, since) if self.backend is not None else []

    @property
    def log_position(self) -> int:
        """How many lines the backend has written so far (a mark for ``logs(since=...)``)."""
        return self.backend.total_lines if self.backend is not None else 0

    def restart(self, env: dict[str, str | None] | None = None) -> None:
        """Stop and start the learner's backend (same port, database and secrets) and wait
        until it answers again. ``env`` sets variables for this and later starts (``None``
        removes one, also when the server would inherit it), e.g. a short rate-limit window
        the stage's description announces."""
        self.require_started("restarting needs a server learnpath starts itself")
        assert self.backend is not None
        for name, value in (env or {}).items():
            if value is None:
                self.backend.extra_env.pop(name, None)
                self.backend.unset_env.add(name)
                self.env.pop(name, None)
            else:
                self.backend.extra_env[name] = value
                self.backend.unset_env.discard(name)
                self.env[name] = value
        try:
            self.backend.restart()
        except BackendError as exc:
            raise CheckFailure(f"restarting your server failed: {exc}") from None


class ServiceInfo:
    """What graders know about one service: its details as attributes (``dsn``, ``url``,
    ``control_token``, ...) or items."""

    def __init__(self, name: str, info: dict[str, Any]):
        self._name = name
        self._info = dict(info)

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self._info[key]
        except KeyError:
            known = ", ".join(sorted(self._info))
            message = f"service '{self._name}' has no '{key}' (it has {known})"
            raise AttributeError(message) from None

    def __getitem__(self, key: str) -> Any:
        return self._info[key]

    def __repr__(self) -> str:
        return f"ServiceInfo({self._name!r}, {self._info!r})"


class ServicesHandle:
    """What the ``services`` fixture gives graders: ``services.postgres.dsn``,
    ``services.payments.url`` / ``.control_token``, ... With ``grade --url`` learnpath starts
    no services (it cannot hand them to a server it did not start), so asking for one skips the
    check with the reason."""

    def __init__(self, info: dict[str, dict[str, Any]], declared: list[str], *, started: bool):
        self._info = info
        self._declared = list(declared)
        self._started = started

    def __getattr__(self, name: str) -> ServiceInfo:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str) -> ServiceInfo:
        if name in self._info:
            return ServiceInfo(name, self._info[name])
        if name in self._declared and not self._started:
            pytest.skip(
                f"not checked with --url: needs the {name} service, which learnpath starts only "
                "for a server it starts itself"
            )
        declared = ", ".join(self._declared) or "none"
        raise AttributeError(f"the exercise does not declare the service '{name}' ({declared})")

    def __contains__(self, name: object) -> bool:
        return name in self._info


class GradingPlugin:
    """Pass an instance to ``pytest.main(args, plugins=[plugin])``."""

    def __init__(
        self,
        *,
        server: ServerHandle,
        stages: list[str],
        known_stages: list[str],
        emit: Emit,
        uid: str,
        timeout: float = 10.0,
        check_limit: float | None = None,
        stop_on_fail: bool = True,
        services: ServicesHandle | None = None,
        keep_dir: Path | None = None,
        env: dict[str, str] | None = None,
    ):
        self._server = server
        self._keep_dir = keep_dir
        # What learnpath gave the learner's server or programs this run (services, secrets).
        self._env = dict(env if env is not None else server.env)
        self._services = services or ServicesHandle({}, [], started=server.started)
        self.stages = stages
        self.known_stages = known_stages
        self.emit = emit
        self._uid = uid
        self.timeout = timeout
        # A check may make several requests; the whole check still has a bound.
        self.check_limit = check_limit or max(30.0, 3 * timeout)
        self.stop_on_fail = stop_on_fail
        self._api: Api | None = None
        self._mark = 0
        self._call_mark = 0
        self._log_mark = 0
        self._info: dict[str, dict[str, Any]] = {}
        self._failed_stages: set[str] = set()
        self._reported: set[str] = set()
        # pytest looks fixtures up on a holder's type (and deprecates session-scoped bound
        # methods), so the fixtures live in a module object this plugin registers at configure.
        self.fixtures = types.ModuleType("learnpath_grading_fixtures")
        for name, fixture in self._fixtures().items():
            setattr(self.fixtures, name, fixture)

    # -- fixtures ---------------------------------------------------------------------------

    def _fixtures(self) -> dict[str, Any]:
        """The fixtures graders use, as closures over this plugin."""
        plugin = self

        @pytest.fixture(scope="session")
        def api() -> Generator[Api, None, None]:
            """The recording HTTP client bound to the learner's server."""
            yield plugin._client()
            if plugin._api is not None:
                plugin._api.close()

        @pytest.fixture(scope="session")
        def uid() -> str:
            """A short string unique to this grading run, for usernames and emails."""
            return plugin._uid

        @pytest.fixture(scope="session")
        def server() -> ServerHandle:
            """The learner's server: ``restart()``, ``logs(n)``, ``project_dir``, ``config``."""
            return plugin._server

        @pytest.fixture(scope="session")
        def services() -> ServicesHandle:
            """The exercise's services: ``services.postgres.dsn``, ``services.payments.url``."""
            return plugin._services

        @pytest.fixture(scope="session")
        def project() -> Any:
            """The learner's files and programs (files exercises): ``project.sql(rel)``,
            ``project.run(args)``, ``project.script(rel)``."""
            from learnpath.grading.files import ProjectFiles

            return ProjectFiles(plugin._server.project_dir, plugin._server.config, plugin._env)

        @pytest.fixture(scope="session")
        def databases() -> Generator[Any, None, None]:
            """Fresh, seeded SQLite and PostgreSQL databases (:mod:`learnpath.grading.sql`)."""
            import tempfile

            from learnpath.grading.sql import Databases

            with tempfile.TemporaryDirectory(prefix="learnpath-db-") as scratch:
                made = Databases(
                    Path(scratch),
                    keep_dir=plugin._keep_dir,
                    postgres=plugin._services._info.get("postgres"),
                    uid=plugin._uid,
                )
                yield made
                made.close()

        return {
            "api": api,
            "uid": uid,
            "server": server,
            "services": services,
            "project": project,
            "databases": databases,
        }

    def _client(self) -> Api:
        if self._api is None:
            self._api = Api(self._server.url, timeout=self.timeout)
        return self._api

    # -- collection -------------------------------------------------------------------------

    def pytest_configure(self, config: pytest.Config) -> None:
        config.pluginmanager.register(self.fixtures, "learnpath-grading-fixtures")
        config.addinivalue_line("markers", "stage(id): the exercise stage this check belongs to")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.emit(
                {
                    "event": "collect_error",
                    "message": f"the graders could not be loaded ({report.nodeid or 'session'})",
                    "detail": report.longreprtext[-3000:],
                }
            )

    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        order = {s: i for i, s in enumerate(self.stages)}
        keep: list[tuple[int, int, pytest.Item]] = []
        dropped: list[pytest.Item] = []
        for index, item in enumerate(items):
            marks = list(item.iter_markers("stage"))
            stage = str(marks[0].args[0]) if len(marks) == 1 and marks[0].args else None
            if stage is None or stage not in self.known_stages:
                self.emit(
                    {
                        "event": "collect_error",
                        "message": f"{item.nodeid}: every check needs exactly one "
                        "@pytest.mark.stage('<known stage id>')",
                        "detail": "",
                    }
                )
                dropped.append(item)
                continue
            self._info[item.nodeid] = self._describe(item, stage, index)
            if stage in order:
                keep.append((order[stage], index, item))
            else:
                dropped.append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = [item for _, _, item in sorted(keep, key=lambda t: (t[0], t[1]))]

    def _describe(self, item: pytest.Item, stage: str, index: int) -> dict[str, Any]:
        fn = getattr(item, "function", None)
        code = ""
        doc = ""
        if fn is not None:
            try:
                code = textwrap.dedent(inspect.getsource(fn))
            except (OSError, TypeError):
                code = ""
            doc = next(iter((inspect.getdoc(fn) or "").strip().splitlines()), "")
        callspec = getattr(item, "callspec", None)
        if doc and callspec is not None:
            # one check run for several cases (e.g. on SQLite and on PostgreSQL): say which
            doc = f"{doc.rstrip('.')} [{callspec.id}]"
        path, line, _ = item.location
        return {
            "nodeid": item.nodeid,
            "name": item.name,
            "description": doc,
            "stage": stage,
            "file": path,
            "line": (line or 0) + 1,
            "order": index,
            "test_code": code,
        }

    # -- running ----------------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self._mark = len(self._api.exchanges) if self._api is not None else 0
        self._call_mark = self._mark
        # A failure shows the server output written while its check ran, not older lines.
        self._log_mark = self._server.log_position if self._server is not None else 0

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        name = item.name
        limit = self.check_limit

        def on_alarm(signum: int, frame: object) -> None:
            raise CheckTimeout(f"check '{name}' did not finish within {limit:g} s")

        # What fixtures sent before the check began: the setup requests it depends on.
        self._call_mark = len(self._api.exchanges) if self._api is not None else 0
        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            return (yield)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, object, object]:
        result = yield
        stage = self._info.get(item.nodeid, {}).get("stage")
        next_stage = self._info.get(nextitem.nodeid, {}).get("stage") if nextitem else None
        if self.stop_on_fail and stage in self._failed_stages and next_stage != stage:
            # Finish the failing stage (all its messages are useful), then stop.
            item.session.shouldstop = f"stage {stage} failed"
        return result

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        info = self._info.get(report.nodeid)
        if info is None or report.nodeid in self._reported:
            return
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self._reported.add(report.nodeid)
            self.emit(self._result(report, info))

    def _result(self, report: pytest.TestReport, info: dict[str, Any]) -> dict[str, Any]:
        status = "pass"
        message = ""
        if report.skipped:
            status, message = "skip", _skip_reason(report)
        elif report.failed:
            message, is_check = _failure_message(report)
            status = "fail" if is_check else "error"
            if report.when == "setup" and not message.startswith("setup:"):
                # A fixture (registering a user, creating an article) failed: the check itself
                # never ran, and the message must not read as if it had.
                message = f"setup: {message}"
            self._failed_stages.add(info["stage"])
        exchange = None
        logs: list[str] = []
        earlier: list[dict[str, Any]] = []
        trace: list[str] = []
        if report.failed:
            if self._api is not None and len(self._api.exchanges) > self._mark:
                sent = self._api.exchanges[self._mark :]
                exchange = sent[-1].to_dict()
                setup_end = self._call_mark - self._mark if report.when == "call" else len(sent)
                earlier = [
                    {**ex.to_dict(), "setup": i < setup_end} for i, ex in enumerate(sent[:-1])
                ][-EARLIER_REQUESTS:]
            # The server may log a request just after answering it: give the reader thread
            # a moment to catch up, so the line of the failing request is there.
            time.sleep(LOG_SETTLE)
            logs = server_excerpt(
                self._server.logs(LOG_LINES, since=self._log_mark),
                self._server.project_dir,
                SERVER_LOG_LINES,
            )
            if status == "error":
                trace = report.longreprtext.strip().splitlines()[-TRACEBACK_LINES:]
        output = (report.capstdout + report.capstderr)[-2000:]
        return {
            "event": "test",
            **info,
            "status": status,
            "message": message,
            "duration": round(report.duration, 4),
            "output": output,
            "request": exchange,
            "earlier_requests": earlier,
            "logs": logs,
            "traceback": trace,
        }


def _own_frame(line: str, project: str) -> bool:
    """A traceback line in the learner's code: their folder, not an installed package."""
    if any(lib in line for lib in ("site-packages", "node_modules", "dist-packages", "node:")):
        return False
    return project in line or bool(re.match(r'\s*File "(?!/)[^"<]+", line \d+', line))


def server_excerpt(lines: list[str], project_dir: Path, limit: int) -> list[str]:
    """The last ``limit`` server lines, plus every frame of a traceback in the learner's own
    code (and the source line after a Python frame) that the tail would cut off: a framework's
    frames alone do not say where the learner's bug is."""
    if len(lines) <= limit:
        return lines
    project = str(project_dir)
    start = len(lines) - limit
    keep: list[int] = []
    for i, line in enumerate(lines[:start]):
        if _own_frame(line, project):
            keep.append(i)
            if line.lstrip().startswith("File ") and i + 1 < start:
                keep.append(i + 1)
    head = [lines[i] for i in sorted(set(keep))][-limit:]
    return [*head, "…", *lines[start:]] if head else lines[start:]


def _skip_reason(report: pytest.TestReport) -> str:
    """``pytest.skip("why")`` leaves ``(file, line, "Skipped: why")`` in ``longrepr``."""
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return reason.removeprefix("Skipped: ").strip() or "not checked"


def _failure_message(report: pytest.TestReport) -> tuple[str, bool]:
    """The one-line failure message and whether it is a failed check (vs. a grader error)."""
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is None:
        text = str(report.longrepr).strip().splitlines()
        return (text[-1] if text else "the check failed"), False
    message = str(crash.message).strip()
    match = _EXC.match(message)
    if match and match.group(1).rsplit(".", 1)[-1] in _CHECK_TYPES:
        return match.group(2).strip(), True
    if message.startswith("assert "):  # a plain assert in a grader, rewritten by pytest
        return message, True
    if message in _CHECK_TYPES:
        return "the check failed (no message)", True
    return message, False


def pytest_configure(config: pytest.Config) -> None:
    """``pytest -p learnpath.grading.pytest_plugin graders/<id>`` against a running server.

    Set ``LEARNPATH_GRADE_URL`` and ``LEARNPATH_GRADE_EXERCISE``: every stage runs, results go
    nowhere but pytest's own report. For graders' authors and for the speed baseline in bench/.
    """
    import os
    import secrets

    url = os.environ.get("LEARNPATH_GRADE_URL")
    if not url or config.pluginmanager.has_plugin("learnpath-grading"):
        return
    from learnpath.content import exercises

    ex = exercises.get(os.environ.get("LEARNPATH_GRADE_EXERCISE", ""))
    ids = [s.id for s in ex.stages]
    plugin = GradingPlugin(
        server=ServerHandle(url, None, Path.cwd(), {}),
        stages=ids,
        known_stages=ids,
        emit=lambda event: None,
        uid=secrets.token_hex(3),
        stop_on_fail=False,
    )
    config.pluginmanager.register(plugin, "learnpath-grading")
