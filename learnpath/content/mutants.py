"""Mutants: broken copies of a reference solution (``exercises/<id>/mutants/*.yaml``), each
meant to fail one stage. ``learnpath check`` grades them to prove the graders honest."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from learnpath.content import exercises
from learnpath.content.exercises import ExerciseDef
from learnpath.errors import ContentError, Diagnostic


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


def load_mutants(ex: ExerciseDef, folder: Path) -> list[Mutant]:
    """Every mutant in ``folder``, validated against the exercise and its solutions."""
    from dataclasses import replace

    from learnpath.yamlsrc import compose, load_as

    diags: list[Diagnostic] = []
    sols = exercises.solutions(ex)
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
