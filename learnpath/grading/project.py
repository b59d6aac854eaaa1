"""The learner's project file ``learnpath.yml``: read it, find it from a subfolder."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from learnpath.content import exercises
from learnpath.errors import ContentError, Diagnostic, LearnpathError, UsageError
from learnpath.models import meta

PROJECT_FILE = "learnpath.yml"
DEFAULT_START_TIMEOUT = 20.0


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    """``learnpath.yml``: which exercise a folder holds and how to start its backend.

    ``run`` is needed only when learnpath starts the server (not with ``grade --url``).
    """

    yaml_name: ClassVar[str] = "project settings"

    exercise: str
    id: str | None = None  # the project's identity (learnpath start writes one)
    run: str | None = None
    stack: str | None = None
    install: str | None = None
    database: str | None = None
    ready_path: str = field(default="/", metadata=meta(pattern=r"/.*", pattern_help="start with /"))
    start_timeout: float = field(default=DEFAULT_START_TIMEOUT, metadata=meta(range=(0.1, 600)))


def require_run(cfg: ProjectConfig, project_dir: Path) -> str | None:
    """The ``run`` command of a project learnpath must start; a one-line fix when it has none.

    A files exercise starts no server: its ``run`` (a program graders call) may be absent.
    """
    with contextlib.suppress(LearnpathError):
        if exercises.get(cfg.exercise).kind == "files":
            return cfg.run
    if cfg.run:
        return cfg.run
    example = "python server.py"
    with contextlib.suppress(LearnpathError):
        stacks = exercises.get(cfg.exercise).stacks
        stack = stacks.get(cfg.stack or "") or next(iter(stacks.values()), None)
        if stack is not None:
            example = stack.run or example
    raise UsageError(
        f"{project_dir / PROJECT_FILE} has no 'run' command, so learnpath cannot start your "
        f"server: add a line such as 'run: {example}', or start it yourself and grade it with "
        "--url http://127.0.0.1:PORT"
    )


def find_project(start: Path) -> Path:
    """The folder holding ``learnpath.yml``: ``start`` or the nearest parent that has one, so
    that commands work from any subfolder of a project (like git finds ``.git``)."""
    here = start.resolve()
    if not here.is_dir():
        raise UsageError(f"{start} is not a folder")
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    raise UsageError(
        f"no {PROJECT_FILE} in {start} or a folder above it: run 'learnpath start EXERCISE' to "
        "create a project, or pass the project folder: 'learnpath grade DIR'"
    )


def read_project(project_dir: Path) -> ProjectConfig:
    """Read ``DIR/learnpath.yml``; a missing or invalid file is an error the learner can fix."""
    from learnpath.yamlsrc import compose, load_as

    file = project_dir / PROJECT_FILE
    if not project_dir.is_dir():
        raise UsageError(f"{project_dir} is not a folder")
    if not file.is_file():
        raise UsageError(
            f"no {PROJECT_FILE} in {project_dir}: run 'learnpath start EXERCISE' to create a "
            "project, or pass the project folder: 'learnpath grade DIR'"
        )
    diags: list[Diagnostic] = []
    cfg = load_as(compose(file, diags), ProjectConfig, diags)
    if cfg is None or diags:
        raise ContentError(diags)
    return cfg
