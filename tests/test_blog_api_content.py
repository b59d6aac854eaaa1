"""The Blog API exercise content: its definition, graders and mutants hang together (fast)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from learnpath.content.exercises import GRADER_CHECKS_HEADING, load_all

from .conftest import ROOT

EXERCISE = ROOT / "exercises" / "blog-api"
GRADERS = ROOT / "graders" / "blog-api"
MUTANTS = ROOT / "exercises" / "blog-api" / "mutants"
CORE = [
    "health",
    "register",
    "login",
    "current-user",
    "profiles",
    "create-article",
    "manage-article",
    "list-articles",
    "comments",
    "favorites",
    "feed",
    "tags",
]
EXTENSIONS = ["persistence", "password-storage", "openapi", "latency", "robustness"]
FIXTURES_ALLOWED = {"api", "uid", "server", "blog", "alice", "bob", "request"}


@pytest.fixture(scope="module")
def exercise():
    return load_all(ROOT / "exercises")["blog-api"]


def _stage_of(node: ast.FunctionDef) -> list[str]:
    marks = []
    for dec in node.decorator_list:
        if (
            isinstance(dec, ast.Call)
            and isinstance(dec.func, ast.Attribute)
            and dec.func.attr == "stage"
            and dec.args
            and isinstance(dec.args[0], ast.Constant)
        ):
            marks.append(dec.args[0].value)
    return marks


def _grader_tests() -> list[tuple[Path, ast.FunctionDef]]:
    found = []
    for file in sorted(GRADERS.glob("test_*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        found += [
            (file, n)
            for n in tree.body
            if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")
        ]
    return found


def test_exercise_yaml_validates(exercise):
    assert exercise.status == "ready"
    assert set(exercise.stacks) == {"fastapi", "express", "django"}
    assert [s.id for s in exercise.stages] == CORE + EXTENSIONS
    assert [s.id for s in exercise.stages if s.extension] == EXTENSIONS
    for stage in exercise.stages:
        assert 2 <= len(stage.hints) <= 3, stage.id
        assert stage.points > 0, stage.id
        last_heading = [line for line in stage.description.splitlines() if line.startswith("## ")][
            -1
        ]
        assert last_heading == f"## {GRADER_CHECKS_HEADING}", stage.id
        checks = stage.description.split(last_heading, 1)[1]
        assert checks.count("\n- ") >= 1, f"{stage.id}: list the checks"


def test_learnpath_validate_reports_nothing_for_blog_api(cli):
    result = cli("learnpath", "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: "), result.stdout
    assert "blog-api" not in result.stdout + result.stderr, result.stdout + result.stderr


def test_every_stage_has_graders_and_every_grader_names_a_known_stage(exercise):
    from learnpath.content.graders import check_graders

    assert check_graders(exercise) == []
    known = {s.id for s in exercise.stages}
    covered = set()
    for file, node in _grader_tests():
        marks = _stage_of(node)
        assert len(marks) == 1, f"{file.name}::{node.name} needs exactly one stage mark"
        assert marks[0] in known, f"{file.name}::{node.name} names unknown stage {marks[0]}"
        covered.add(marks[0])
    assert covered == known


def test_graders_use_only_the_contract_fixtures_and_helpers():
    own_fixtures = set()
    for file in [GRADERS / "conftest.py", *sorted(GRADERS.glob("test_*.py"))]:
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("learnpath")
            ):
                assert node.module == "learnpath.grading.checks", (
                    f"{file.name} imports {node.module}"
                )
            if isinstance(node, ast.FunctionDef) and any(
                "fixture" in ast.unparse(d) for d in node.decorator_list
            ):
                own_fixtures.add(node.name)
    allowed = FIXTURES_ALLOWED | own_fixtures
    for file, node in _grader_tests():
        params = {a.arg for a in node.args.args} - {"field", "method", "auth", "value"}
        assert params <= allowed, f"{file.name}::{node.name} uses {params - allowed}"


def test_mutants_are_valid_and_cover_every_stage(exercise):
    from learnpath.grading.mutants import load_mutants

    mutants = load_mutants(exercise, MUTANTS)
    assert {m.stage for m in mutants} == {s.id for s in exercise.stages}
    assert {m.solution for m in mutants} == {"fastapi", "express"}
    for file in sorted(MUTANTS.glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        for edit in data["edits"]:
            text = (EXERCISE / "solutions" / data["solution"] / edit["file"]).read_text("utf-8")
            assert text.count(edit["find"]) == 1, f"{file.name}: find must occur exactly once"


@pytest.mark.parametrize("stack", ["fastapi", "express"])
def test_starters_hold_what_learners_need(stack):
    starter = EXERCISE / "starters" / stack
    gitignore = (starter / ".gitignore").read_text(encoding="utf-8")
    assert "*.db" in gitignore
    if stack == "express":
        assert "node_modules" in gitignore
        pkg = yaml.safe_load((starter / "package.json").read_text(encoding="utf-8"))
        assert pkg["dependencies"] == {"express": "5.3.0", "libsql": "0.5.29"}
        assert (starter / "package-lock.json").is_file()
    config = yaml.safe_load((starter / "learnpath.yml").read_text(encoding="utf-8"))
    assert config == {"database": "conduit.db", "ready_path": "/api/tags"}


def test_every_stage_names_one_of_the_exercise_weeks_in_order():
    ex = load_all()["blog-api"]
    weeks = [s.week for s in ex.stages]
    assert all(w in ex.weeks for w in weeks), weeks
    assert weeks == sorted(weeks), "stages follow the weeks in order"


def test_a_week_view_names_the_stages_that_week_leads_to():
    from learnpath.content.exercises import stage_span

    ex = load_all()["blog-api"]
    assert stage_span(ex, 9) == "stages 1-4: health, register, login, current-user"
    assert stage_span(ex, 3) == ""
