"""``learnpath run``: the exercise's services and your server, as grading starts them.

Like ``docker compose up`` without Docker: the same throwaway services, port choice and
environment as a grading run (both come from :func:`learnpath.grading.runner.prepare_server`),
the variables printed (secrets too: everything is local and thrown away), your server's output
streamed, and Ctrl-C stops everything.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from learnpath.errors import LearnpathError

if TYPE_CHECKING:
    from learnpath.content.exercises import ExerciseDef
    from learnpath.grading.project import ProjectConfig


class RunError(LearnpathError):
    """Your server could not be started (exit 2)."""

    exit_code = 2


def _say(message: str) -> None:
    print(f"[learnpath] {message}", flush=True)


def run(
    directory: Annotated[
        Path, typer.Argument(help="Your project folder (holds learnpath.yml).", show_default=True)
    ] = Path("."),
    port: Annotated[
        int | None,
        typer.Option("--port", min=1, max=65535, help="Your server's port (default: a free one)."),
    ] = None,
    start_timeout: Annotated[
        float | None,
        typer.Option("--start-timeout", min=0.1, help="Seconds your server may take to start."),
    ] = None,
) -> None:
    """Run your server with the exercise's services, as grading does.

    The same services, port choice and environment as a grading run: prints the variables and
    URLs, streams your server's output, and stops everything on Ctrl-C. Develop and debug
    against exactly what the grader uses.
    """
    from learnpath.content import exercises
    from learnpath.grading import project, runner
    from learnpath.grading.process import Backend, BackendError

    directory = project.find_project(directory)
    cfg = project.read_project(directory)
    ex = exercises.get(cfg.exercise)
    if ex.kind == "files":
        _services_only(ex, cfg)
        return
    command = project.require_run(cfg, directory)
    assert command is not None  # a server exercise always needs one
    code = 0
    try:
        if ex.services:
            _say(f"starting {', '.join(ex.services)} for {ex.id}")
        with runner.prepare_server(ex, cfg, port=port) as prepared:
            for line in prepared.describe:
                _say(line)
            env = {**prepared.env, "PORT": str(prepared.port), "HOST": "127.0.0.1"}
            _say("your server's environment:")
            for name in sorted(env):
                print(f"  {name}={env[name]}", flush=True)
            backend = Backend(
                directory,
                command,
                env=prepared.env,
                ready_path=cfg.ready_path,
                start_timeout=start_timeout or cfg.start_timeout,
                port=prepared.port,
                install=cfg.install,
            )
            backend.on_line = lambda line: print(line, flush=True)
            with backend:
                _say(f"starting your server on {prepared.url}: {command}")
                try:
                    backend.start()
                    _say(f"your server answers at {prepared.url} (Ctrl-C stops everything)")
                except BackendError as exc:
                    if backend.proc is None or backend.proc.poll() is not None:
                        raise RunError(str(exc)) from None
                    # Still running: the learner may be debugging exactly this, keep it up.
                    _say(f"warning: {exc}; it keeps running (Ctrl-C stops everything)")
                assert backend.proc is not None
                code = backend.proc.wait()
                _say(f"your server exited with code {code}; stopping the services")
    except KeyboardInterrupt:
        _say("stopped: your server and the services are gone")
        return
    if code:
        raise typer.Exit(1)


def _services_only(ex: ExerciseDef, cfg: ProjectConfig) -> None:
    """A files exercise has no server: start its services, print how to reach them, and keep
    them up until Ctrl-C (for trying queries by hand, or reproducing a failure)."""
    import time

    from learnpath.errors import UsageError
    from learnpath.grading import runner

    if not ex.services:
        raise UsageError(
            f"{ex.id} has nothing to run: it is graded from your files (learnpath grade)"
        )
    _say(f"starting {', '.join(ex.services)} for {ex.id}")
    try:
        with runner.prepare_server(ex, cfg) as prepared:
            for line in prepared.describe:
                _say(line)
            _say("the environment grading gives your files:")
            for name in sorted(prepared.env):
                print(f"  export {name}={prepared.env[name]}", flush=True)
            _say("running until Ctrl-C (everything is thrown away then)")
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        _say("stopped: the services are gone")
