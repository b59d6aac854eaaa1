"""Graders (``graders/<exercise>/test_*.py``): static checks that tie them to stages.

The grader files are read with ``ast``, not imported: validation must be fast, must not run
instructor code, and must point at ``FILE:LINE:COL``.
"""

from __future__ import annotations

import ast
from pathlib import Path

from learnpath.content import exercises
from learnpath.content.exercises import ExerciseDef, graders_dir, stage_positions
from learnpath.errors import Diagnostic


def _display(path: Path) -> str:
    from learnpath.yamlsrc import display_path

    return display_path(path)


def _stage_marks(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> list[ast.Call]:
    """``@pytest.mark.stage(...)`` decorators on ``node`` (also written ``@mark.stage``)."""
    found = []
    for dec in node.decorator_list:
        if (
            isinstance(dec, ast.Call)
            and isinstance(dec.func, ast.Attribute)
            and dec.func.attr == "stage"
        ):
            found.append(dec)
    return found


def _tests(tree: ast.Module) -> list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, list[ast.Call]]]:
    """Each test function with the stage marks that apply to it (its own and its class's)."""
    out = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith(
            "test"
        ):
            out.append((node, _stage_marks(node)))
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            inherited = _stage_marks(node)
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                    item.name.startswith("test")
                ):
                    out.append((item, inherited + _stage_marks(item)))
    return out


def validate_all(folder: Path | None = None) -> list[Diagnostic]:
    """Problems in every exercise definition, plus the checks that tie graders to stages."""
    found, diags = exercises.load_checked(folder)
    for ex in found.values():
        diags.extend(check_graders(ex))
    return diags


def check_graders(ex: ExerciseDef) -> list[Diagnostic]:
    """Problems tying ``graders/<exercise>`` to the exercise's stages.

    Every test carries exactly one known ``@pytest.mark.stage``; every stage has a test; a ready
    exercise has graders at all.
    """
    if ex.status != "ready":
        return []
    folder = graders_dir(ex)
    yaml_file = _display(ex.path / "exercise.yaml")
    files = sorted(folder.glob("test_*.py")) if folder.is_dir() else []
    if not files:
        return [Diagnostic(yaml_file, 1, 1, f"no grader files (test_*.py) in {_display(folder)}")]
    diags: list[Diagnostic] = []
    known = {s.id for s in ex.stages}
    covered: set[str] = set()
    for file in files:
        name = _display(file)
        try:
            tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        except SyntaxError as exc:
            diags.append(
                Diagnostic(name, exc.lineno or 1, exc.offset or 1, f"syntax error: {exc.msg}")
            )
            continue
        except (OSError, UnicodeDecodeError) as exc:
            diags.append(Diagnostic(name, 1, 1, f"cannot read grader file: {exc}"))
            continue
        for fn, marks in _tests(tree):
            where = (fn.lineno, fn.col_offset + 1)
            if len(marks) != 1:
                what = "no" if not marks else f"{len(marks)}"
                diags.append(
                    Diagnostic(
                        name,
                        *where,
                        f"test '{fn.name}' has {what} @pytest.mark.stage marks; "
                        "it needs exactly one",
                    )
                )
                continue
            mark = marks[0]
            arg = mark.args[0] if mark.args else None
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                diags.append(
                    Diagnostic(
                        name, mark.lineno, mark.col_offset + 1, "stage mark needs a stage id string"
                    )
                )
                continue
            if arg.value not in known:
                diags.append(
                    Diagnostic(
                        name,
                        arg.lineno,
                        arg.col_offset + 1,
                        f"unknown stage '{arg.value}' "
                        f"(stages of {ex.id}: {', '.join(sorted(known))})",
                    )
                )
                continue
            covered.add(arg.value)
    missing = [(i, s.id) for i, s in enumerate(ex.stages) if s.id not in covered]
    if missing:
        positions = stage_positions(ex)
        for i, stage_id in missing:
            line, col = positions.get(i, (1, 1))
            diags.append(
                Diagnostic(
                    yaml_file,
                    line,
                    col,
                    f"stage '{stage_id}' has no grader test in {_display(folder)}",
                )
            )
    return diags
