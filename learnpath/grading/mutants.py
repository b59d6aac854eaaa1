"""``learnpath check``: proof that an exercise's graders are honest.

Every reference solution passes every stage; every starter runs and fails an early stage; and for
every stage, a broken copy of a reference solution (a *mutant*, ``exercises/<id>/mutants/*.yaml``)
fails that stage. Everything runs in temporary copies; the content folder is never modified.

Installing dependencies: a Python project whose ``requirements.txt`` is already satisfied by the
running interpreter is not reinstalled (that would write into learnpath's own environment); a Node
project reuses a ``node_modules`` folder next to the solution through a symlink when there is
one. Otherwise the stack's ``install`` command runs in the temporary copy.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from learnpath.errors import ContentError, Diagnostic, LearnpathError
from learnpath.exercises import ExerciseDef
from learnpath.grading import project
from learnpath.grading.scaffold import SKIP_NAMES, SKIP_SUFFIXES

INSTALL_TIMEOUT = 600


@dataclass(frozen=True, slots=True)
class Edit:
    file: str
    find: str
    replace: str


@dataclass(frozen=True, slots=True)
class Mutant:
    stage: str
    solution: str
    description: str
    edits: tuple[Edit, ...]
    name: str = field(default="", metadata={"yaml": False})


@dataclass(slots=True)
class CheckItem:
    """One proof: what was graded, what was required, what happened."""

    kind: str  # solution | starter | mutant
    name: str
    required: str
    ok: bool = False
    detail: str = ""
    seconds: float = 0.0


def load_mutants(ex: ExerciseDef, folder: Path) -> list[Mutant]:
    """Every mutant in ``folder``, validated against the exercise and its solutions."""
    from dataclasses import replace

    from learnpath.yamlsrc import compose, load_as

    diags: list[Diagnostic] = []
    sols = project.solutions(ex)
    found: list[Mutant] = []
    for file in sorted(folder.glob("*.yaml")):
        src = compose(file, diags)
        m = load_as(src, Mutant, diags)
        if m is None:
            continue
        m = replace(m, name=file.stem)
        if ex.stage(m.stage) is None:
            diags.append(src.diag(("stage",), f"unknown stage '{m.stage}' of {ex.id}"))
        if m.solution not in sols:
            diags.append(
                src.diag(("solution",), f"no solution '{m.solution}' (have: {', '.join(sols)})")
            )
            continue
        for i, edit in enumerate(m.edits):
            target = (sols[m.solution] / edit.file).resolve()
            if not target.is_relative_to(sols[m.solution].resolve()) or not target.is_file():
                diags.append(
                    src.diag(("edits", i, "file"), f"no file '{edit.file}' in the solution")
                )
                continue
            n = target.read_text(encoding="utf-8").count(edit.find)
            if n != 1:
                diags.append(
                    src.diag(
                        ("edits", i, "find"),
                        f"'find' must occur exactly once in {edit.file}, found {n} times",
                    )
                )
        found.append(m)
    if diags:
        raise ContentError(diags)
    return found


def _copy(src: Path, dest: Path) -> None:
    def ignore(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if n in SKIP_NAMES or n.endswith(SKIP_SUFFIXES)}

    shutil.copytree(src, dest, symlinks=True, ignore=ignore, dirs_exist_ok=True)


def _requirements_met(requirements: Path) -> bool:
    from importlib import metadata

    for raw in requirements.read_text(encoding="utf-8").splitlines():
        line = raw.split("#")[0].strip()
        if not line or line.startswith("-"):
            continue
        name = re.split(r"[\s\[<>=!~;@]", line, maxsplit=1)[0]
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            return False
    return True


def prepare(dest: Path, install: str | None, *, node_modules_from: Path | None = None) -> None:
    """Make ``dest`` runnable: reuse what is already installed, else run ``install``."""
    if (dest / "package.json").is_file() and node_modules_from is not None:
        modules = node_modules_from / "node_modules"
        if modules.is_dir() and not (dest / "node_modules").exists():
            (dest / "node_modules").symlink_to(modules.resolve(), target_is_directory=True)
            return
    reqs = dest / "requirements.txt"
    if reqs.is_file() and _requirements_met(reqs):
        return
    if not install:
        return
    try:
        done = subprocess.run(
            install,
            shell=True,
            cwd=dest,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise LearnpathError(f"'{install}' took longer than {INSTALL_TIMEOUT} s") from None
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-10:])
        raise LearnpathError(f"'{install}' failed (exit {done.returncode}):\n{tail}")


def check_exercise(
    ex: ExerciseDef,
    *,
    mutants_dir: Path | None = None,
    jobs: int = 2,
    on_item: Callable[[CheckItem], None] | None = None,
) -> list[CheckItem]:
    """Run every proof for ``ex``; each :class:`CheckItem` says whether it held."""
    from learnpath.grading.scaffold import start

    sols = project.solutions(ex)
    if not sols:
        raise LearnpathError(
            f"exercise '{ex.id}' has no reference solutions in {ex.path / 'solutions'}"
        )
    folder = mutants_dir or project.default_mutants_dir(ex)
    mutants = load_mutants(ex, folder) if folder.is_dir() else []
    tasks: list[Callable[[Path], CheckItem]] = []

    def solution_task(stack: str, src: Path) -> Callable[[Path], CheckItem]:
        def run(tmp: Path) -> CheckItem:
            item = CheckItem("solution", stack, "passes every stage")
            _copy(src, tmp)
            prepare(tmp, _install(ex, stack, tmp), node_modules_from=src)
            return _grade(item, tmp, all_stages=True, want="pass")

        return run

    def starter_task(stack: str) -> Callable[[Path], CheckItem]:
        def run(tmp: Path) -> CheckItem:
            item = CheckItem("starter", stack, "runs and fails an early stage")
            start(ex, tmp, stack=stack, force=True)
            prepare(tmp, ex.stacks[stack].install, node_modules_from=sols.get(stack))
            return _grade(item, tmp, all_stages=True, want="fail")

        return run

    def mutant_task(m: Mutant) -> Callable[[Path], CheckItem]:
        def run(tmp: Path) -> CheckItem:
            item = CheckItem("mutant", m.name, f"fails stage {m.stage} ({m.description})")
            src = sols[m.solution]
            _copy(src, tmp)
            for edit in m.edits:
                target = tmp / edit.file
                target.write_text(
                    target.read_text(encoding="utf-8").replace(edit.find, edit.replace, 1),
                    encoding="utf-8",
                )
            prepare(tmp, _install(ex, m.solution, tmp), node_modules_from=src)
            return _grade(item, tmp, stage=m.stage, want="fail")

        return run

    tasks += [solution_task(stack, src) for stack, src in sols.items()]
    tasks += [starter_task(stack) for stack in ex.stacks]
    tasks += [mutant_task(m) for m in mutants]
    covered = {m.stage for m in mutants}

    def execute(task: Callable[[Path], CheckItem]) -> CheckItem:
        with tempfile.TemporaryDirectory(prefix="learnpath-check-") as tmp:
            try:
                item = task(Path(tmp) / "project")
            except LearnpathError as exc:
                item = CheckItem("setup", "?", "can be prepared", ok=False, detail=str(exc))
        if on_item is not None:
            on_item(item)
        return item

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        items = list(pool.map(execute, tasks))
    for stage in ex.stages:
        if stage.id not in covered:
            item = CheckItem("mutant", f"(none for {stage.id})", f"a mutant fails stage {stage.id}")
            item.detail = f"no mutant in {folder} targets stage '{stage.id}'"
            if on_item is not None:
                on_item(item)
            items.append(item)
    return items


def _install(ex: ExerciseDef, stack: str, folder: Path) -> str | None:
    try:
        cfg = project.read_project(folder)
    except LearnpathError:
        cfg = None
    if cfg is not None and cfg.install:
        return cfg.install
    sd = ex.stacks.get(stack)
    return sd.install if sd else None


def _grade(
    item: CheckItem, folder: Path, *, want: str, stage: str | None = None, all_stages: bool = False
) -> CheckItem:
    from learnpath.grading.runner import grade

    result = grade(folder, stage=stage, all_stages=all_stages, record=False)
    item.seconds = result.finished_at - result.started_at
    item.ok = result.status == want
    if result.status == "error":
        item.detail = f"could not grade: {result.message}"
    elif want == "pass":
        bad = [s.stage for s in result.stages if s.status != "pass"]
        item.detail = "all stages passed" if item.ok else f"failed stage(s): {', '.join(bad)}"
    else:
        failed = [s for s in result.stages if s.status == "fail"]
        item.detail = (
            f"stage {failed[0].stage} failed: {failed[0].message}"
            if failed
            else "every stage passed"
        )
    return item
