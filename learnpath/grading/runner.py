"""Which stages to grade, in which order; run the worker and collect its results.

Stage order follows stage-based courses: the current stage first, then the earlier stages as a
regression check, stopping at the first failing stage. ``--all`` runs every stage (no stop),
``--stage`` exactly one.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from learnpath.content import exercises
from learnpath.content.exercises import ExerciseDef
from learnpath.errors import LearnpathError, UsageError
from learnpath.grading import project
from learnpath.grading.files import KEEP_FOLDER
from learnpath.grading.process import free_port, group_alive, kill_group

OnEvent = Callable[[dict[str, Any]], None]
DEFAULT_TIMEOUT = 10.0
# Seconds the worker may take to exit once its output is closed (it stops the learner's server).
WORKER_EXIT_TIMEOUT = 10.0


@dataclass(slots=True)
class StageResult:
    stage: str
    title: str
    # pass | fail | skip (could not be checked here, see message) | skipped (not run: an
    # earlier stage failed)
    status: str = "skipped"
    passed: int = 0
    failed: int = 0
    duration: float = 0.0
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "title": self.title,
            "status": self.status,
            "passed": self.passed,
            "failed": self.failed,
            "duration": round(self.duration, 3),
            "message": self.message,
        }


@dataclass(slots=True)
class GradeResult:
    """One grading attempt: every test result, per-stage results, and the overall outcome."""

    exercise: str
    stack: str | None
    stages: list[StageResult]
    tests: list[dict[str, Any]] = field(default_factory=list)
    status: str = "error"  # pass | fail | error
    message: str = ""
    error_logs: list[str] = field(default_factory=list)
    started_at: float = 0.0
    finished_at: float = 0.0
    url: str | None = None
    project: str | None = None  # the project's identity, set by whoever records the attempt
    attempt_id: int | None = None
    record_error: str | None = None

    @property
    def exit_code(self) -> int:
        return {"pass": 0, "fail": 1}.get(self.status, 2)

    @property
    def first_failure(self) -> dict[str, Any] | None:
        return next((t for t in self.tests if t["status"] != "pass"), None)


ALL_DONE = "*"  # the current stage when every stage has passed (see :func:`plan`)


def _title(ex: ExerciseDef, stage_id: str) -> str:
    st = ex.stage(stage_id)
    return st.title if st is not None else stage_id


def plan(
    ex: ExerciseDef,
    *,
    stage: str | None = None,
    all_stages: bool = False,
    current: str | None = None,
) -> tuple[list[str], bool]:
    """The stage ids to run, in order, and whether to stop after the first failing stage."""
    ids = [s.id for s in ex.stages]
    if not ids:
        raise UsageError(f"exercise '{ex.id}' has no stages to grade")
    if stage is not None:
        if stage not in ids:
            raise UsageError(f"unknown stage '{stage}' for {ex.id}; stages: {', '.join(ids)}")
        return [stage], False
    if all_stages:
        return ids, False
    if current == ALL_DONE:  # a finished exercise is regraded from the first stage on
        return ids, True
    cur = current if current in ids else ids[0]
    i = ids.index(cur)
    return [cur, *ids[:i]], True


def grade(
    project_dir: Path,
    *,
    url: str | None = None,
    stage: str | None = None,
    all_stages: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    start_timeout: float | None = None,
    on_event: OnEvent | None = None,
    current: str | None = None,
    environ: dict[str, str] | None = None,
    keep: bool = False,
) -> GradeResult:
    """Grade the project in ``project_dir`` once; see :func:`plan` for the stage order.

    The engine reads no progress and stores nothing: ``current`` is the learner's current
    stage (``None``: the first; :data:`ALL_DONE`: every stage passed), and recording the
    result is the caller's (:func:`learnpath.grading.session.grade_project`).
    ``environ`` overrides variables of the environment grading (and so the learner's server)
    runs in, e.g. ``PATH`` with a proof's own virtual environment first. ``keep`` keeps the
    seeded databases of a files exercise in the project (:data:`KEEP_FOLDER`) for reproducing.
    """
    project_dir = project_dir.resolve()
    cfg = project.read_project(project_dir)
    ex = exercises.get(cfg.exercise)
    graders = exercises.graders_dir(ex)
    if not graders.is_dir():
        raise LearnpathError(f"no graders for {ex.id} (expected {graders})")
    if ex.kind == "files" and url is not None:
        raise UsageError(f"{ex.id} is graded from your files, not a server: grade it without --url")
    if url is None:
        project.require_run(cfg, project_dir)
    keep_dir = project_dir / KEEP_FOLDER if keep else None
    if keep_dir is not None:
        shutil.rmtree(keep_dir, ignore_errors=True)  # this run's copies only
    stages, stop_on_fail = plan(ex, stage=stage, all_stages=all_stages, current=current)
    spec: dict[str, Any] = {
        "project_dir": str(project_dir),
        "run": cfg.run,
        "env": {},
        "ready_path": cfg.ready_path,
        "start_timeout": start_timeout or cfg.start_timeout,
        "url": url,
        "graders": str(graders),
        "stages": stages,
        "known_stages": [s.id for s in ex.stages],
        "stop_on_fail": stop_on_fail,
        "timeout": timeout,
        "uid": secrets.token_hex(3),
        "kind": ex.kind,
        "keep_dir": str(keep_dir) if keep_dir else None,
        "service_names": list(ex.services),
        "services": {},
        "config": {
            "exercise": cfg.exercise,
            "stack": cfg.stack,
            "run": cfg.run,
            "install": cfg.install,
            "database": cfg.database,
        },
    }
    result = GradeResult(
        exercise=ex.id,
        stack=cfg.stack,
        stages=[StageResult(s, _title(ex, s)) for s in stages],
        started_at=time.time(),
        url=url,
    )
    emit = on_event or (lambda e: None)
    with contextlib.ExitStack() as cleanup:
        if url is None:
            # With --url the learner runs the server, so services could not reach it: none
            # are started, and checks that need them are skipped (the `services` fixture).
            prepared = cleanup.enter_context(prepare_server(ex, cfg))
            spec["env"] = prepared.env
            spec["port"] = prepared.port
            spec["services"] = prepared.services
            if prepared.seconds:
                emit({"event": "services", "seconds": prepared.seconds})
        _run_worker(spec, result, emit, environ or {})
    result.finished_at = time.time()
    _summarise(result)
    return result


@dataclass(slots=True)
class Prepared:
    """Everything the learner's server gets for one run, before it starts."""

    port: int
    env: dict[str, str]  # besides PORT and HOST
    services: dict[str, dict[str, Any]]  # what graders learn about each service
    describe: list[str]  # one line per service, for people
    seconds: dict[str, float]  # how long each service took to start

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def prepare_server(
    ex: ExerciseDef, cfg: project.ProjectConfig, *, port: int | None = None
) -> Iterator[Prepared]:
    """Pick the server's port, make its scratch folder and environment, start the exercise's
    services; undo all of it when the block ends. ``grade`` and ``learnpath run`` both use it,
    so a learner develops against exactly what the grader gives the server."""
    from learnpath.services.registry import start_all

    port = port or free_port()
    with (
        tempfile.TemporaryDirectory(prefix="learnpath-grade-") as scratch,
        start_all(
            ex.services, app_url=f"http://127.0.0.1:{port}", options=ex.service_options
        ) as running,
    ):
        env = {**server_env(ex, cfg, Path(scratch)), **running.env}
        yield Prepared(port, env, running.info, running.describe, running.seconds)


def server_env(ex: ExerciseDef, cfg: project.ProjectConfig, scratch: Path) -> dict[str, str]:
    """What the learner's server gets besides PORT: a fresh database path and fresh secrets.

    A new database every run means data an earlier (buggy) run left behind never changes a
    verdict; the learner's own database file is never touched.
    """
    database = Path(cfg.database).name if cfg.database else "app.db"
    env = {"DATABASE_PATH": str(scratch / database)}
    env.update({secret: secrets.token_urlsafe(32) for secret in ex.secrets})
    return env


def _run_worker(
    spec: dict[str, Any], result: GradeResult, on_event: OnEvent, environ: dict[str, str]
) -> None:
    env = {
        **os.environ,
        **environ,
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",  # only our plugin: faster, and nothing surprising
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    cmd = worker_command(spec)
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    stderr_tail: collections.deque[str] = collections.deque(maxlen=60)
    reader = threading.Thread(target=_keep_tail, args=(proc.stderr, stderr_tail), daemon=True)
    reader.start()
    pgids: set[int] = set()
    worker_exit: int | None = None
    collect_errors: list[dict[str, Any]] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            kind = event.get("event")
            if kind == "spawned":
                pgids.add(int(event["pgid"]))
            elif kind == "ready":
                result.url = event["url"]
            elif kind == "test":
                result.tests.append(event)
            elif kind == "error":
                result.message = event["message"]
                result.error_logs = list(event.get("logs") or [])
            elif kind == "collect_error":
                collect_errors.append(event)
            elif kind == "pytest_exit" and event["code"] not in (0, 1, 2, 5):
                tail = "\n".join(stderr_tail)
                result.message = f"the graders crashed (pytest exit {event['code']}):\n{tail}"
            elif kind == "done":
                worker_exit = int(event["exit"])
            on_event(event)
        try:
            proc.wait(timeout=WORKER_EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            # Its output is complete but it does not exit: stop it (finally, below); the
            # results it reported stand.
            if worker_exit is None and not result.message:
                result.message = (
                    f"the grader did not exit within {WORKER_EXIT_TIMEOUT:g} s of closing its "
                    "output and was stopped"
                )
    except KeyboardInterrupt:
        _stop_worker(proc)
        result.status = "error"
        result.message = "grading was interrupted"
        raise
    finally:
        if proc.poll() is None:
            _stop_worker(proc)
        # Belt and braces: if the worker died without cleaning up, its backend does not survive.
        for pgid in pgids:
            if group_alive(pgid):
                kill_group(pgid, grace=1.0)
        reader.join(timeout=1.0)
    if collect_errors:
        first = collect_errors[0]
        result.message = f"{first['message']}: {first['detail'].strip()[-1500:]}".rstrip(": ")
        result.status = "error"
        return
    if worker_exit is None and not result.message:
        tail = "\n".join(stderr_tail)
        result.message = f"the grader crashed (exit {proc.returncode}); its last output:\n{tail}"
    if worker_exit == 2 and not result.message and not result.tests:
        result.message = "no checks ran: the graders produced no results"
    result.status = "error" if result.message and not result.tests else "pending"


def worker_command(spec: dict[str, Any]) -> list[str]:
    """The grading worker's command line (a separate process: pytest runs once per process)."""
    return [sys.executable, "-m", "learnpath.grading.worker", json.dumps(spec)]


def _keep_tail(stream: Any, tail: collections.deque[str]) -> None:
    for line in stream:
        tail.append(line.rstrip("\n"))


def _stop_worker(proc: subprocess.Popen[str]) -> None:
    proc.terminate()  # the worker turns SIGTERM into KeyboardInterrupt and stops the backend
    try:
        proc.wait(timeout=8)
    except subprocess.TimeoutExpired:
        proc.kill()
        # SIGKILL cannot be ignored; only a process stuck in the kernel outlives this wait,
        # and then it is left to the system rather than hanging grading.
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


def _summarise(result: GradeResult) -> None:
    by_stage = {s.stage: s for s in result.stages}
    skipped: dict[str, str] = {}
    for t in result.tests:
        st = by_stage.get(t["stage"])
        if st is None:
            continue
        st.duration += float(t.get("duration") or 0)
        if t["status"] == "pass":
            st.passed += 1
        elif t["status"] == "skip":
            skipped.setdefault(st.stage, t["message"])
        else:
            st.failed += 1
            st.message = st.message or t["message"]
    for st in result.stages:
        if st.failed:
            st.status = "fail"
        elif st.passed:
            st.status = "pass"
        elif st.stage in skipped:  # nothing in it could be checked here: not a failure
            st.status = "skip"
            st.message = skipped[st.stage]
    if result.status == "error":
        return
    failed = [s for s in result.stages if s.status == "fail"]
    graded = [s for s in result.stages if s.status != "skip"]
    if failed:
        result.status = "fail"
        result.message = f"stage {failed[0].stage} failed: {failed[0].message}"
    elif graded and all(s.status == "pass" for s in graded):
        result.status = "pass"
        result.message = ""
    elif not graded:
        result.status = "error"
        result.message = f"nothing could be checked: {result.stages[0].message}"
    else:
        missing = ", ".join(s.stage for s in result.stages if s.status == "skipped")
        result.status = "error"
        result.message = result.message or f"no results for stage(s) {missing}"
