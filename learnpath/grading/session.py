"""The learner's loop at the application level: a project's identity, its current stage, grading
it and recording the attempt, starting a new project.

The grading engine (:mod:`learnpath.grading.runner`) runs checks and returns a result; this
module is the one step that reads the learner's progress before grading, stores the attempt
after it, and decides what is next from every stage the project has passed (a single
``--stage`` never "completes" an exercise). It opens the progress store and passes it down.
Progress belongs to a project: the ``id`` in its ``learnpath.yml`` (written by ``learnpath
start``), or, for a folder without one, an id derived from its resolved path.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

from learnpath import store
from learnpath.content import exercises
from learnpath.content.exercises import ExerciseDef
from learnpath.errors import LearnpathError, UsageError
from learnpath.grading import project, runner, scaffold
from learnpath.grading.runner import ALL_DONE, DEFAULT_TIMEOUT, GradeResult, OnEvent
from learnpath.progress import enrollment, projects
from learnpath.progress.repository import Repository

# Starters by the language a learner chose at onboarding (python | node | java).
NO_STARTER_YET = {"java": "Java: no starter yet (JVM starters are planned)"}


def project_id(project_dir: Path, cfg: project.ProjectConfig) -> tuple[str, bool]:
    """The project's identity and whether it was derived (no ``id`` in its learnpath.yml).

    A derived id is stable for a folder (a hash of its resolved path): such a folder was made
    by an earlier learnpath, so it also inherits the attempts recorded before projects had ids.
    """
    if cfg.id:
        return cfg.id, False
    digest = hashlib.sha256(str(project_dir.resolve()).encode()).hexdigest()
    return f"dir-{digest[:12]}", True


def current_stage(ex: ExerciseDef, project_dir: Path | None = None) -> str | None:
    """The current stage of the project in ``project_dir`` (without one: of the exercise).

    ``None``: nothing passed yet (grading starts at the first stage); :data:`ALL_DONE`: every
    stage has passed. A progress store that cannot be read means "not known yet".
    """
    pid: str | None = None
    legacy = False
    if project_dir is not None:
        pid, legacy = project_id(project_dir, project.read_project(project_dir))
    return _current(ex, pid, legacy)


def _current(ex: ExerciseDef, pid: str | None, legacy: bool) -> str | None:
    try:
        state = projects.exercise_state(
            Repository(store.reader()), ex.id, definition_order=False, project=pid, legacy=legacy
        )
    except LearnpathError:
        return None
    passed = set(state["passed_stages"])
    if not passed:
        return None
    return next((s.id for s in ex.stages if s.id not in passed), ALL_DONE)


def grade_project(
    project_dir: Path,
    *,
    url: str | None = None,
    stage: str | None = None,
    all_stages: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    start_timeout: float | None = None,
    on_event: OnEvent | None = None,
    record: bool = True,
    environ: dict[str, str] | None = None,
    keep: bool = False,
) -> GradeResult:
    """Grade the project in ``project_dir`` from its current stage and record the attempt.

    Takes the arguments of :func:`runner.grade`; ``record=False`` grades without storing. A
    store that cannot take the attempt leaves the grade standing, with ``record_error`` set.
    """
    project_dir = project_dir.resolve()
    cfg = project.read_project(project_dir)
    ex = exercises.get(cfg.exercise)
    pid, legacy = project_id(project_dir, cfg)
    current = None if (stage or all_stages) else _current(ex, pid, legacy)
    result = runner.grade(
        project_dir,
        url=url,
        stage=stage,
        all_stages=all_stages,
        timeout=timeout,
        start_timeout=start_timeout,
        on_event=on_event,
        current=current,
        environ=environ,
        keep=keep,
    )
    result.project = pid
    if record:
        try:
            result.attempt_id = record_result(result, project_dir, adopt_legacy=legacy)
        except LearnpathError as exc:  # the grade stands even if the store cannot take it
            result.record_error = str(exc)
    return result


def record_result(result: GradeResult, project_dir: Path, *, adopt_legacy: bool = False) -> int:
    """Store one grading result as an attempt of its project; the attempt's id."""
    from learnpath.grading.report import results_json

    stages = [{k: v for k, v in s.to_dict().items() if k != "title"} for s in result.stages]
    return projects.record_attempt(
        Repository(store.writer()),
        result.exercise,
        stack=result.stack,
        status=result.status,
        started_at=result.started_at,
        finished_at=result.finished_at,
        stages=stages,
        report=results_json(result),
        project=result.project,
        project_path=str(project_dir),
        adopt_legacy=adopt_legacy,
    )


def stage_after(result: GradeResult) -> str:
    """The stage the project is at after ``result``: the first stage (in the exercise's order)
    its attempts, this one included, never passed; :data:`ALL_DONE` once every stage passed.

    Decided from all passed stages, never from this run alone: passing the last stage with
    ``--stage`` does not complete an exercise whose earlier stages never passed.
    """
    ex = exercises.get(result.exercise)
    passed = {s.stage for s in result.stages if s.status == "pass"}
    if result.project is not None:
        with contextlib.suppress(LearnpathError):  # unreadable store: this run's passes only
            state = projects.exercise_state(
                Repository(store.reader()),
                ex.id,
                definition_order=False,
                project=result.project,
            )
            passed.update(state["passed_stages"])
    return next((s.id for s in ex.stages if s.id not in passed), ALL_DONE)


def default_stack(ex: ExerciseDef) -> str | None:
    """The exercise's stack for the language chosen at onboarding (``None``: not chosen)."""
    repo = Repository(store.reader())
    enrolled = enrollment.enrollment(repo, enrollment.default_track(repo))
    language = enrolled.stack if enrolled is not None else None
    if language is None:
        return None
    if language in NO_STARTER_YET:
        names = " or ".join(ex.stacks) or "another stack"
        raise UsageError(
            f"{NO_STARTER_YET[language]}; choose {names}: learnpath start {ex.id} --stack "
            f"{next(iter(ex.stacks), 'STACK')}"
        )
    return next((name for name, sd in ex.stacks.items() if sd.language == language), None)


def start_project(
    exercise_id: str, dest: Path, *, stack: str | None = None, force: bool = False
) -> scaffold.Scaffolded:
    """``learnpath start``: scaffold the starter (by default in the onboarding language's stack)
    and record the new project, which becomes the active one."""
    ex = exercises.get(exercise_id)
    if stack in NO_STARTER_YET:
        names = " or ".join(ex.stacks)
        raise UsageError(f"{NO_STARTER_YET[stack]}; choose {names}")
    done = scaffold.start(ex, dest, stack=stack or default_stack(ex), force=force)
    # An unwritable store only costs the home's "active project" until the first grade.
    with contextlib.suppress(LearnpathError):
        projects.register_project(
            Repository(store.writer()),
            done.project_id,
            ex.id,
            stack=done.stack,
            path=str(done.dest),
        )
    return done
