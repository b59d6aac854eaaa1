"""The grading subprocess: start the backend, run pytest once, stream JSON lines, tear down.

``python -m learnpath.grading.worker SPEC_JSON``. pytest is not meant to run twice in one
process, so every grading run (and every ``--watch`` round) is a fresh worker. Events go to the
original stdout, one JSON object per line; pytest's own output goes to stderr, which the parent
keeps only for ``--debug``. The worker owns the backend and stops its process group in
``finally``, also on SIGTERM/SIGINT from the parent.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

PYTEST_ARGS = [
    "-p",
    "no:cacheprovider",  # nothing written into the learner's folder or the graders
    "-p",
    "no:randomly",
    "-p",
    "no:xdist",
    "-p",
    "no:legacypath",
    "--import-mode=importlib",
    "-o",
    "addopts=",
    "-o",
    "python_files=test_*.py",
    "--tb=short",
    "-q",
    "-rN",
    "--no-header",
    "--assert=rewrite",
]


def _raise_interrupt(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt


def run(spec: dict[str, Any], emit: Any) -> int:
    """Grade once as described by ``spec``; returns the worker's exit code (0, 1 or 2)."""
    import pytest

    from learnpath.grading.process import Backend, BackendError
    from learnpath.grading.pytest_plugin import GradingPlugin, ServerHandle, ServicesHandle

    project_dir = Path(spec["project_dir"])
    backend: Backend | None = None
    try:
        files_kind = spec.get("kind") == "files"
        if spec.get("url"):
            url = spec["url"]
        elif files_kind:
            url = ""  # nothing to start: graders run the learner's files
        else:
            backend = Backend(
                project_dir,
                spec["run"],
                env=spec.get("env") or {},
                ready_path=spec.get("ready_path") or "/",
                start_timeout=float(spec.get("start_timeout") or 20),
                install=(spec.get("config") or {}).get("install"),
                # chosen by the runner, which told the services (webhooks) before we start
                port=spec.get("port"),
            )
            backend.on_spawn = lambda pgid: emit({"event": "spawned", "pgid": pgid})
            t0 = time.monotonic()
            emit({"event": "starting", "run": spec["run"], "port": backend.port})
            backend.start()
            emit(
                {
                    "event": "ready",
                    "url": backend.url,
                    "seconds": round(time.monotonic() - t0, 3),
                }
            )
            url = backend.url
        plugin = GradingPlugin(
            server=ServerHandle(
                url, backend, project_dir, spec.get("config") or {}, spec.get("env") or {}
            ),
            stages=spec["stages"],
            known_stages=spec["known_stages"],
            emit=emit,
            uid=spec["uid"],
            timeout=float(spec.get("timeout") or 10),
            stop_on_fail=bool(spec.get("stop_on_fail", True)),
            services=ServicesHandle(
                spec.get("services") or {},
                spec.get("service_names") or [],
                started=backend is not None or files_kind,
            ),
            keep_dir=Path(spec["keep_dir"]) if spec.get("keep_dir") else None,
            env=spec.get("env") or {},
        )
        graders = spec["graders"]
        args = [
            graders,
            "--rootdir",
            graders,
            "--confcutdir",
            graders,
            "-c",
            os.devnull,  # no ini file from the learner's folder or a parent directory
            *PYTEST_ARGS,
        ]
        code = int(pytest.main(args, plugins=[plugin]))
        emit({"event": "pytest_exit", "code": code})
        if code == pytest.ExitCode.INTERRUPTED:
            return 130
        return 0 if code == pytest.ExitCode.OK else 1 if code == pytest.ExitCode.TESTS_FAILED else 2
    except BackendError as exc:
        emit({"event": "error", "message": str(exc), "logs": exc.logs})
        return 2
    except KeyboardInterrupt:
        emit({"event": "error", "message": "grading was interrupted", "logs": []})
        return 130
    finally:
        if backend is not None:
            backend.stop()
            emit({"event": "stopped"})


def main() -> None:
    spec = json.loads(sys.argv[1])
    # Keep the real stdout for events; everything else printed (pytest, graders) goes to stderr.
    events = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def emit(event: dict[str, Any]) -> None:
        events.write(json.dumps(event) + "\n")
        events.flush()

    signal.signal(signal.SIGTERM, _raise_interrupt)
    code = run(spec, emit)
    emit({"event": "done", "exit": code})
    events.close()
    sys.exit(code)


if __name__ == "__main__":
    main()
