"""Exercises: their definitions (``exercises/<id>/exercise.yaml``), parsed once per process,
and the files that belong to each (graders, starters, solutions, mutants)."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from learnpath.content import locations
from learnpath.errors import ContentError, Diagnostic, UsageError, did_you_mean
from learnpath.models import FORMAT_VERSION, ID, ID_HELP, meta
from learnpath.yamlsrc import Source, compose, load_as

GRADER_CHECKS_HEADING = "What the grader checks"
SECRET_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
# Set by the engine itself for every server it starts.
RESERVED_ENV = frozenset(
    {"PORT", "HOST", "DATABASE_PATH", "PATH"}
    # set by services (learnpath/services/)
    | {"DATABASE_URL", "PAYMENTS_URL", "PAYMENTS_API_KEY", "PAYMENTS_WEBHOOK_SECRET"}
    | {"OAUTH_ISSUER", "OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "OAUTH_REDIRECT_URI"}
)


@dataclass(frozen=True, slots=True)
class StackDef:
    """How a learner's project in one stack is scaffolded, installed and started.

    ``run`` starts a server exercise's server; in a files exercise it is the command prefix
    graders append arguments to (the learner's program), and a files-only stack has none.
    """

    template: str
    run: str | None = None
    install: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class StageDef:
    id: str = field(metadata=meta(pattern=ID, pattern_help=ID_HELP))
    title: str
    description: str
    hints: tuple[str, ...] = ()
    points: int = field(default=1, metadata=meta(range=(0, 1000)))
    extension: bool = False
    # The curriculum week whose work this stage grades: week views list a week's stages.
    week: int | None = field(default=None, metadata=meta(range=(1, 200)))


@dataclass(frozen=True, slots=True)
class ExerciseDef:
    format_version: int
    id: str = field(metadata=meta(pattern=ID, pattern_help=ID_HELP))
    title: str
    level: Literal["beginner", "intermediate", "advanced", "expert"]
    summary: str
    status: Literal["ready", "planned"] = "ready"
    # server: graders probe the learner's running server over HTTP. files: no server; graders
    # run the learner's files (SQL, scripts, a program) against throwaway databases.
    kind: Literal["server", "files"] = "server"
    weeks: tuple[int, ...] = ()
    # Started for every run next to the learner's server (see learnpath/services/).
    services: tuple[str, ...] = ()
    # Per service, options other than its defaults, e.g. {payments: {webhook_path: /hooks}}.
    service_options: dict[str, dict[str, str]] = field(default_factory=dict)
    # Environment variables that get a fresh random value each grading run (e.g. JWT_SECRET):
    # the learner's server and the graders both see it, so graders can mint tokens it must trust.
    secrets: tuple[str, ...] = ()
    stacks: dict[str, StackDef] = field(default_factory=dict)
    stages: tuple[StageDef, ...] = ()
    folder: str = field(default="", metadata=meta(yaml=False), compare=False)

    @property
    def path(self) -> Path:
        return Path(self.folder)

    def stage(self, stage_id: str) -> StageDef | None:
        return next((s for s in self.stages if s.id == stage_id), None)


def _parse(folder: Path, diags: list[Diagnostic]) -> tuple[ExerciseDef | None, Source]:
    src = compose(folder / "exercise.yaml", diags)
    ex = load_as(src, ExerciseDef, diags)
    if ex is None:
        return None, src
    ex = replace(ex, folder=str(folder))
    if ex.format_version != FORMAT_VERSION:
        diags.append(
            src.diag(("format_version",), f"unsupported format_version {ex.format_version}")
        )
    if ex.id != folder.name:
        diags.append(src.diag(("id",), f"id '{ex.id}' must match its folder name '{folder.name}'"))
    if ex.status == "ready":
        if not ex.stacks:
            diags.append(src.diag((), "a ready exercise needs at least one entry in 'stacks'"))
        if not ex.stages:
            diags.append(src.diag((), "a ready exercise needs at least one stage"))
    for name, stack in ex.stacks.items():
        if ex.kind == "server" and not stack.run:
            diags.append(
                src.diag(("stacks", name), f"stack '{name}' needs 'run': how to start the server")
            )
        template = folder / stack.template
        if not template.resolve().is_relative_to(folder.resolve()):
            diags.append(
                src.diag(
                    ("stacks", name, "template"), "template must stay inside the exercise folder"
                )
            )
        elif not template.is_dir():
            diags.append(
                src.diag(("stacks", name, "template"), f"no template folder '{stack.template}'")
            )
    for i, name in enumerate(ex.secrets):
        if not SECRET_NAME.fullmatch(name) or name in RESERVED_ENV:
            diags.append(
                src.diag(
                    ("secrets", i),
                    f"'{name}' is not a valid secret name: an UPPER_CASE environment variable "
                    f"other than {', '.join(sorted(RESERVED_ENV))}",
                )
            )
    _check_services(ex, src, diags)
    seen: set[str] = set()
    for i, stage in enumerate(ex.stages):
        if stage.id in seen:
            diags.append(src.diag(("stages", i, "id"), f"duplicate stage id '{stage.id}'"))
        seen.add(stage.id)
        if GRADER_CHECKS_HEADING.lower() not in stage.description.lower():
            diags.append(
                src.diag(
                    ("stages", i, "description"),
                    f"stage '{stage.id}': the description must end with a "
                    f"'{GRADER_CHECKS_HEADING}' section",
                )
            )
    return ex, src


def _check_services(ex: ExerciseDef, src: Source, diags: list[Diagnostic]) -> None:
    """Services must be known ones, each listed once; options only for listed services."""
    from learnpath.services import CATALOG

    known = sorted(CATALOG)
    for i, name in enumerate(ex.services):
        if name not in CATALOG:
            diags.append(
                src.diag(("services", i), f"unknown service '{name}'{did_you_mean(name, known)}")
            )
        elif name in ex.services[:i]:
            diags.append(src.diag(("services", i), f"service '{name}' is listed twice"))
    for name, opts in ex.service_options.items():
        if name not in ex.services:
            diags.append(
                src.diag(
                    ("service_options", name),
                    f"options for '{name}', which is not in 'services'",
                )
            )
            continue
        if name not in CATALOG:
            continue  # reported above as an unknown service
        for key, value in opts.items():
            if key not in CATALOG[name]:
                allowed = ", ".join(sorted(CATALOG[name])) or "none"
                diags.append(
                    src.diag(
                        ("service_options", name, key),
                        f"unknown option '{key}' for service '{name}' (options: {allowed})",
                    )
                )
            elif key.endswith("_path") and not value.startswith("/"):
                diags.append(src.diag(("service_options", name, key), f"'{key}' must start with /"))


# Definitions already parsed in this process, keyed by the files they came from (path, mtime,
# size): one grading asks for them from several places, and they are immutable.
_loaded: dict[tuple, tuple[dict[str, ExerciseDef], list[Diagnostic]]] = {}


def load_all(folder: Path | None = None) -> dict[str, ExerciseDef]:
    """Every exercise definition; raises :class:`ContentError` if any does not validate.

    Each definition file is parsed once per process while it stays unchanged.
    """
    files = _files(folder)
    key = tuple((str(f), *_stamp(f)) for f in files)
    if key not in _loaded:
        diags: list[Diagnostic] = []
        _loaded[key] = (_parse_files(files, diags), diags)
    found, diags = _loaded[key]
    if diags:
        raise ContentError(diags)
    return dict(found)


def _stamp(file: Path) -> tuple[int, int]:
    try:
        st = file.stat()
    except OSError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


def _files(folder: Path | None) -> list[Path]:
    """The definition files in ``folder``, or in every exercise folder, in override order."""
    roots = [folder] if folder else locations.exercise_dirs()
    return [f for root in roots for f in sorted(root.glob("*/exercise.yaml"))]


def _parse_files(files: list[Path], diags: list[Diagnostic]) -> dict[str, ExerciseDef]:
    found: dict[str, ExerciseDef] = {}
    for f in files:
        ex, _ = _parse(f.parent, diags)
        if ex is not None:
            found[ex.id] = ex  # a later folder wins on equal ids
    return found


def _load(folder: Path | None, diags: list[Diagnostic]) -> dict[str, ExerciseDef]:
    """The exercises in ``folder``, or in every exercise folder (later ones win on equal ids)."""
    return _parse_files(_files(folder), diags)


def load_checked(folder: Path | None = None) -> tuple[dict[str, ExerciseDef], list[Diagnostic]]:
    """The exercises that parse, and the problems in those that do not (for ``validate``)."""
    diags: list[Diagnostic] = []
    return _load(folder, diags), diags


def ids(folder: Path | None = None) -> frozenset[str]:
    """Ids of the exercises declared in ``exercises/<id>/exercise.yaml`` (without parsing them):
    the built-in ones and those of ``LEARNPATH_CONTENT`` and ``LEARNPATH_PATH``, or those in
    ``folder``. Weeks may list a built-in exercise even while other content is graded."""
    folders = (
        [folder] if folder else [locations.builtin_root() / "exercises", *locations.exercise_dirs()]
    )
    found: set[str] = set()
    for f in folders:
        with contextlib.suppress(OSError):
            found.update(p.parent.name for p in f.glob("*/exercise.yaml"))
    return frozenset(found)


def get(exercise_id: str) -> ExerciseDef:
    """One exercise definition; an unknown id gets "did you mean"."""
    found = load_all()
    if exercise_id not in found:
        raise UsageError(
            f"unknown exercise '{exercise_id}'{did_you_mean(exercise_id, sorted(found))}"
        )
    return found[exercise_id]


# -- the files of one exercise -----------------------------------------------------------------


def graders_dir(ex: ExerciseDef) -> Path:
    """``graders/<id>`` next to the ``exercises/`` folder the exercise was loaded from."""
    return ex.path.parent.parent / "graders" / ex.id


def starter_dir(ex: ExerciseDef, stack: StackDef) -> Path:
    """The template ``learnpath start`` copies for one of the exercise's stacks."""
    return ex.path / stack.template


def solutions(ex: ExerciseDef) -> dict[str, Path]:
    """Reference solutions by stack: ``exercises/<id>/solutions/<stack>/``."""
    folder = ex.path / "solutions"
    if not folder.is_dir():
        return {}
    return {p.name: p for p in sorted(folder.iterdir()) if p.is_dir()}


def mutants_dir(ex: ExerciseDef) -> Path:
    """Where the exercise's mutants live (``learnpath check`` may be pointed elsewhere)."""
    return ex.path / "mutants"


def stage_positions(ex: ExerciseDef) -> dict[int, tuple[int, int]]:
    """Where each stage's ``id`` is in exercise.yaml (re-read only to report a problem)."""
    scratch: list[Diagnostic] = []
    src = compose(ex.path / "exercise.yaml", scratch)
    load_as(src, ExerciseDef, scratch)
    return {i: src.pos(("stages", i, "id")) for i in range(len(ex.stages))}


def stage_span(ex: ExerciseDef, week: int) -> str:
    """The stages of ``ex`` a week leads to, e.g. ``"stages 2-4: register, login, current-user"``;
    empty when its stages name no weeks."""
    numbers = [i for i, s in enumerate(ex.stages, 1) if s.week == week]
    if not numbers:
        return ""
    ids = ", ".join(ex.stages[i - 1].id for i in numbers)
    span = f"{numbers[0]}-{numbers[-1]}" if len(numbers) > 1 else f"{numbers[0]}"
    return f"stage{'s' * (len(numbers) > 1)} {span}: {ids}"
