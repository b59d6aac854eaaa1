"""Where grading content lives, and the learner's project file ``learnpath.yml``."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from learnpath import paths
from learnpath.errors import ContentError, Diagnostic, LearnpathError, UsageError
from learnpath.exercises import ExerciseDef
from learnpath.models import meta

CONTENT_ENV = paths.CONTENT_ENV
PROJECT_FILE = "learnpath.yml"
DEFAULT_START_TIMEOUT = 20.0


def content_root() -> Path:
    """The folder holding ``exercises/`` and ``graders/``;
    ``LEARNPATH_CONTENT`` overrides it."""
    return paths.exercise_content_root()


def exercises_dir() -> Path:
    return content_root() / "exercises"


def graders_dir(ex: ExerciseDef) -> Path:
    """``graders/<id>`` next to the ``exercises/`` folder the exercise was loaded from."""
    return ex.path.parent.parent / "graders" / ex.id


def default_mutants_dir(ex: ExerciseDef) -> Path:
    return ex.path / "mutants"


def solutions(ex: ExerciseDef) -> dict[str, Path]:
    """Reference solutions by stack: ``exercises/<id>/solutions/<stack>/``."""
    folder = ex.path / "solutions"
    if not folder.is_dir():
        return {}
    return {p.name: p for p in sorted(folder.iterdir()) if p.is_dir()}


def load_exercise(exercise_id: str) -> ExerciseDef:
    """One exercise definition from the current content; an unknown id gets "did you mean"."""
    from learnpath import exercises

    found = exercises.load_all()
    if exercise_id not in found:
        hint = did_you_mean(exercise_id, sorted(found))
        raise UsageError(f"unknown exercise '{exercise_id}'{hint}")
    return found[exercise_id]


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


def require_run(cfg: ProjectConfig, project_dir: Path) -> str:
    """The ``run`` command of a project learnpath must start; a one-line fix when it has none."""
    if cfg.run:
        return cfg.run
    example = "python server.py"
    with contextlib.suppress(LearnpathError):
        stacks = load_exercise(cfg.exercise).stacks
        stack = stacks.get(cfg.stack or "") or next(iter(stacks.values()), None)
        if stack is not None:
            example = stack.run
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


def did_you_mean(word: str, choices: list[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``choices``, else the list of them."""
    import difflib

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; known: {', '.join(choices)}"


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
