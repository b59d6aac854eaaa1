"""``learnpath check``: proof that an exercise's graders are honest.

Every reference solution passes every stage; every starter runs and fails an early stage; and for
every stage, a broken copy of a reference solution (a *mutant*, ``exercises/<id>/mutants/*.yaml``)
fails that stage. Everything runs in temporary copies; the content folder is never modified, and
dependencies go into environments check creates and removes (:mod:`.proof_envs`).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from learnpath.content import exercises
from learnpath.content.exercises import ExerciseDef
from learnpath.content.mutants import Mutant, load_mutants
from learnpath.errors import LearnpathError
from learnpath.grading import project
from learnpath.grading.proof_envs import (
    Environments,
    EnvSpec,
    dependency_files,
    spec_for,
)
from learnpath.grading.scaffold import SKIP_NAMES, SKIP_SUFFIXES


@dataclass(slots=True)
class CheckItem:
    """One proof: what was graded, what was required, what happened."""

    kind: str  # solution | starter | mutant
    name: str
    required: str
    stage: str | None = None  # the stage a mutant targets
    ok: bool = False
    detail: str = ""
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class StageTally:
    """How many mutants target a stage and how many of them its checks killed."""

    stage: str
    mutants: int
    killed: int


def tally(ex: ExerciseDef, items: list[CheckItem]) -> list[StageTally]:
    """Per stage of ``ex``, in stage order: mutants that target it and mutants it killed."""
    real = [i for i in items if i.kind == "mutant" and not i.name.startswith("(none")]
    return [
        StageTally(
            s.id,
            sum(i.stage == s.id for i in real),
            sum(i.stage == s.id and i.ok for i in real),
        )
        for s in ex.stages
    ]


def _copy(src: Path, dest: Path) -> None:
    def ignore(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if n in SKIP_NAMES or n.endswith(SKIP_SUFFIXES)}

    shutil.copytree(src, dest, symlinks=True, ignore=ignore, dirs_exist_ok=True)


@dataclass(slots=True)
class _Proof:
    item: CheckItem
    make: Callable[[Path], None]  # writes the project to grade into an empty folder
    env: EnvSpec
    stage: str | None = None  # None: every stage


def _plan(ex: ExerciseDef, mutants_dir: Path | None) -> tuple[list[_Proof], list[CheckItem]]:
    """The proofs to run, and a failed item for each stage no mutant targets."""
    sols = exercises.solutions(ex)
    if not sols:
        raise LearnpathError(
            f"exercise '{ex.id}' has no reference solutions in {ex.path / 'solutions'}"
        )
    folder = mutants_dir or exercises.mutants_dir(ex)
    mutants = load_mutants(ex, folder) if folder.is_dir() else []
    proofs = [_solution_proof(ex, stack, src) for stack, src in sols.items()]
    proofs += [_starter_proof(ex, stack) for stack in ex.stacks]
    proofs += [_mutant_proof(ex, m, sols[m.solution]) for m in mutants]
    covered = {m.stage for m in mutants}
    missing = [
        CheckItem(
            "mutant",
            f"(none for {s.id})",
            f"a mutant fails stage {s.id}",
            s.id,
            detail=f"no mutant in {folder} targets stage '{s.id}'",
        )
        for s in ex.stages
        if s.id not in covered
    ]
    return proofs, missing


def list_proofs(ex: ExerciseDef, *, mutants_dir: Path | None = None) -> list[CheckItem]:
    """Every proof :func:`check_exercise` would run, mutants validated, none of them run."""
    proofs, missing = _plan(ex, mutants_dir)
    return [p.item for p in proofs] + missing


def check_exercise(
    ex: ExerciseDef,
    *,
    mutants_dir: Path | None = None,
    jobs: int = 2,
    on_item: Callable[[CheckItem], None] | None = None,
) -> list[CheckItem]:
    """Run every proof for ``ex``; each :class:`CheckItem` says whether it held.

    Dependencies go into throwaway environments (:mod:`learnpath.grading.proof_envs`) that are
    removed, with every temporary copy, before this returns.
    """
    proofs, missing = _plan(ex, mutants_dir)

    def report(item: CheckItem) -> CheckItem:
        if on_item is not None:
            on_item(item)
        return item

    with tempfile.TemporaryDirectory(prefix="learnpath-check-envs-") as root:
        envs = Environments(Path(root))

        def execute(proof: _Proof) -> CheckItem:
            with tempfile.TemporaryDirectory(prefix="learnpath-check-") as tmp:
                where = Path(tmp) / "project"
                try:
                    proof.make(where)
                    envs.prepare(proof.env, where)
                    _grade(
                        proof.item, where, stage=proof.stage, environ=envs.server_vars(proof.env)
                    )
                except LearnpathError as exc:
                    proof.item.ok = False
                    proof.item.detail = str(exc)
            return report(proof.item)

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            try:
                list(pool.map(execute, proofs))
            except BaseException:  # Ctrl-C: finish the running proofs only, then clean up
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    return [p.item for p in proofs] + [report(i) for i in missing]


def _solution_proof(ex: ExerciseDef, stack: str, src: Path) -> _Proof:
    item = CheckItem("solution", stack, "passes every stage")
    env = _env_spec(ex, stack, src, dependency_files(src), proof=f"solution-{stack}")
    return _Proof(item, lambda where: _copy(src, where), env)


def _starter_proof(ex: ExerciseDef, stack: str) -> _Proof:
    from learnpath.grading.scaffold import start

    item = CheckItem("starter", stack, "runs and fails an early stage")
    sd = ex.stacks[stack]
    files = dependency_files(exercises.starter_dir(ex, sd))
    env = spec_for(_language(ex, stack), sd.install, files, proof=f"starter-{stack}")

    def make(where: Path) -> None:
        start(ex, where, stack=stack, force=True)

    return _Proof(item, make, env)


def _mutant_proof(ex: ExerciseDef, m: Mutant, src: Path) -> _Proof:
    item = CheckItem("mutant", m.name, f"fails stage {m.stage} ({m.description})", m.stage)
    files = dependency_files(src)
    for edit in m.edits:  # a mutant may change a dependency file too
        if edit.file in files:
            text = files[edit.file].decode("utf-8").replace(edit.find, edit.replace, 1)
            files[edit.file] = text.encode("utf-8")

    def make(where: Path) -> None:
        _copy(src, where)
        for edit in m.edits:
            target = where / edit.file
            target.write_text(
                target.read_text(encoding="utf-8").replace(edit.find, edit.replace, 1),
                encoding="utf-8",
            )

    env = _env_spec(ex, m.solution, src, files, proof=f"mutant-{m.name}")
    return _Proof(item, make, env, stage=m.stage)


def _language(ex: ExerciseDef, stack: str) -> str:
    sd = ex.stacks.get(stack)
    return (sd.language or "") if sd else ""


def _env_spec(
    ex: ExerciseDef, stack: str, src: Path, files: dict[str, bytes], *, proof: str
) -> EnvSpec:
    return spec_for(_language(ex, stack), _install(ex, stack, src), files, proof=proof)


def _install(ex: ExerciseDef, stack: str, folder: Path) -> str | None:
    try:
        cfg = project.read_project(folder)
    except LearnpathError:
        cfg = None
    if cfg is not None and cfg.install:
        return cfg.install
    sd = ex.stacks.get(stack)
    return sd.install if sd else None


def _grade(item: CheckItem, folder: Path, *, stage: str | None, environ: dict[str, str]) -> None:
    """Grade ``folder``: a solution must pass every stage, a starter fail one, a mutant its own."""
    from learnpath.grading.runner import grade

    want = "pass" if item.kind == "solution" else "fail"
    result = grade(folder, stage=stage, all_stages=stage is None, environ=environ)
    item.seconds = result.finished_at - result.started_at
    item.ok = result.status == want
    if result.status == "error":
        item.detail = f"could not grade: {result.message}"
    elif want == "pass":
        bad = [s for s in result.stages if s.status not in ("pass", "skip")]
        first = next((s for s in bad if s.status == "fail"), None)
        why = f"; {first.stage}: {first.message}" if first and first.message else ""
        skip = next((s for s in result.stages if s.status == "skip"), None)
        note = f" ({skip.stage} could not be checked: {skip.message})" if skip else ""
        item.detail = (
            f"all stages passed{note}"
            if item.ok
            else f"failed stage(s): {', '.join(s.stage for s in bad)}{why}"
        )
    else:
        failed = [s for s in result.stages if s.status == "fail"]
        target = next((s for s in result.stages if s.stage == stage), None)
        if failed:
            item.detail = f"stage {failed[0].stage} failed: {failed[0].message}"
        elif target is not None and target.status == "skip":
            item.detail = f"not proven: stage {stage} could not be checked: {target.message}"
        else:
            item.detail = "every stage passed"
