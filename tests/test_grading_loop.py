"""The learner's loop: stage instructions at hand, focused failures, commands from a subfolder."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from learnpath.content.exercises import ExerciseDef, StageDef
from learnpath.grading import hints, instructions
from learnpath.grading.pytest_plugin import server_excerpt

from .conftest import BIN, FIXTURES

CONTENT = FIXTURES / "content"
SOLUTION = CONTENT / "exercises" / "mini-api" / "solutions" / "python"


@pytest.fixture
def content(monkeypatch):
    monkeypatch.setenv("LEARNPATH_CONTENT", str(CONTENT))
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")


def project(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """The mini-api reference solution with ``(find, replace)`` edits applied."""
    dest = tmp_path / "proj"
    shutil.copytree(SOLUTION, dest)
    server = dest / "server.py"
    text = server.read_text()
    for find, replace in edits:
        assert find in text
        text = text.replace(find, replace)
    server.write_text(text)
    return dest


def exercise(*ids: str) -> ExerciseDef:
    stages = tuple(StageDef(id=i, title=i.title(), description=f"Build {i}.") for i in ids)
    return ExerciseDef(
        format_version=1,
        id="ex",
        title="Ex",
        level="beginner",
        summary="",
        stages=stages,
    )


# -- units -------------------------------------------------------------------------------------


def test_unlocked_stages_are_the_passed_ones_and_the_current_one():
    ex = exercise("a", "b", "c")
    assert [s.id for s in instructions.unlocked(ex, None)] == ["a"]
    assert [s.id for s in instructions.unlocked(ex, "b")] == ["a", "b"]
    assert [s.id for s in instructions.unlocked(ex, instructions.ALL_DONE)] == ["a", "b", "c"]


def test_stages_file_gains_each_stage_once_and_keeps_the_learners_notes(tmp_path):
    ex = exercise("a", "b", "c")
    assert instructions.sync_stages_file(tmp_path, ex, None) == ["a"]
    file = tmp_path / "STAGES.md"
    file.write_text(file.read_text() + "\nmy notes\n")
    assert instructions.sync_stages_file(tmp_path, ex, "c") == ["b", "c"]
    assert instructions.sync_stages_file(tmp_path, ex, "c") == []
    text = file.read_text()
    assert "my notes" in text and text.count("Build b.") == 1
    assert text.index("Stage 1 of 3: A (a)") < text.index("Stage 3 of 3: C (c)")


@pytest.mark.parametrize(
    "stored",
    [
        '{"ex": {"a": "two"}}',
        '{"ex": ["a"]}',
        '{"ex": {"a": null, "b": 5}}',
        "[1, 2]",
        '{"ex": {"a": 1.5}}',
        "{not json",
    ],
)
def test_a_malformed_hints_file_costs_a_hint_not_a_crash(home, stored):
    (home / "hints.json").write_text(stored)
    ex = exercise("a", "b")
    stage = StageDef(id="a", title="A", description="", hints=("one", "two"))
    shown, last = hints.reveal(ex, stage)
    assert shown == ["one"] and not last
    assert json.loads((home / "hints.json").read_text())["ex"]["a"] == 1


def test_server_excerpt_keeps_the_learners_own_frames(tmp_path):
    own = f'  File "{tmp_path}/app/main.py", line 12, in register'
    lines = [
        "Traceback (most recent call last):",
        '  File "/usr/lib/python3/site-packages/starlette/routing.py", line 1, in app',
        "    await x()",
        own,
        "    user = db.insert(body)",
        *[f'  File "/venv/lib/site-packages/lib{i}.py", line {i}, in f' for i in range(20)],
        "KeyError: 'email'",
    ]
    short = server_excerpt(lines, tmp_path, 5)
    assert short[:3] == [own, "    user = db.insert(body)", "…"]
    assert short[-1] == "KeyError: 'email'" and len(short) == 8
    assert server_excerpt(lines[:4], tmp_path, 5) == lines[:4]


# -- the real CLI ------------------------------------------------------------------------------


@pytest.mark.slow
def test_one_root_cause_shows_its_first_failure_in_full_and_the_rest_in_one_line(
    cli, content, tmp_path
):
    # Registering answers 200: both checks of the stage fail, for the same reason.
    proj = project(
        tmp_path,
        (
            'return self.send_json(201, {"user": user})',
            'return self.send_json(200, {"user": user})',
        ),
    )
    result = cli("learnpath", "grade", str(proj), "--stage", "users")
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert "✗ test_register\n" in out  # in full: its own lines follow
    assert out.count("request:  curl -i -X POST") == 1
    assert "✗ test_duplicate_username: setup: expected status 201" in out  # one line
    # the response body is shown once: quoted by the message, not repeated by "response:"
    assert out.count('"email": "bob-') == 2  # the message and the curl -d of the request
    assert "response: HTTP 200 (application/json) (body as quoted above)" in out
    assert out.count("Stuck? learnpath hint") == 1
    assert "learnpath grade --url http://127.0.0.1:PORT --stage users" in out
    verbose = cli("learnpath", "grade", str(proj), "--stage", "users", "--verbose")
    assert verbose.stdout.count("request:  curl -i -X POST") == 2
    assert verbose.stdout.count("Stuck? learnpath hint") == 1


@pytest.mark.slow
def test_a_failure_shows_the_setup_requests_it_depends_on(cli, content, tmp_path):
    proj = project(tmp_path, ('if user["username"] in USERS:', "if False:"))
    result = cli("learnpath", "grade", str(proj), "--stage", "users")
    assert result.returncode == 1
    setup = [x for x in result.stdout.splitlines() if "setup:    curl" in x]
    assert len(setup) == 1 and "alice-" in setup[0] and setup[0].endswith("→ HTTP 201")


@pytest.mark.slow
def test_stage_instructions_from_a_subfolder_and_stages_md_after_a_pass(cli, content, tmp_path):
    proj = project(tmp_path)
    sub = proj / "deep" / "er"
    sub.mkdir(parents=True)
    first = cli("learnpath", "stage", cwd=sub)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Stage 1 of 3: The server answers (health)")
    locked = cli("learnpath", "stage", "--stage", "users", cwd=sub)
    assert locked.returncode != 0
    assert "stage users is locked: pass stage health" in locked.stdout + locked.stderr
    typo = cli("learnpath", "stage", "--stage", "lokup", cwd=sub)
    assert "did you mean 'lookup'?" in typo.stdout + typo.stderr
    graded = cli("learnpath", "grade", "--stage", "helth", cwd=sub)
    assert "did you mean 'health'?" in graded.stdout + graded.stderr
    assert not (proj / "STAGES.md").exists()

    passed = cli("learnpath", "grade", cwd=sub)  # from the subfolder: finds learnpath.yml above
    assert passed.returncode == 0, passed.stdout + passed.stderr
    stages_md = (proj / "STAGES.md").read_text()
    assert "Stage 1 of 3" in stages_md and "Stage 2 of 3: Register users (users)" in stages_md
    assert "Stage 3 of 3" not in stages_md
    second = cli("learnpath", "stage", str(sub))
    assert second.stdout.startswith("Stage 2 of 3: Register users (users)")
    earlier = cli("learnpath", "stage", str(proj), "--stage", "health")
    assert earlier.returncode == 0 and "Passed already" in earlier.stdout


@pytest.mark.slow
def test_a_missing_package_gets_the_install_command_of_learnpath_yml(cli, content, tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "learnpath.yml").write_text(
        "exercise: mini-api\nrun: python -c 'import not_installed_anywhere'\n"
        "install: python -m pip install -r requirements.txt\n"
    )
    result = cli("learnpath", "grade", str(proj))
    assert result.returncode == 2
    error = next(x for x in result.stderr.splitlines() if x.startswith("error:"))
    assert "No module named" in error
    assert "run 'python -m pip install -r requirements.txt' in your project folder" in error


def test_watch_clears_the_screen_per_run_and_keeps_one_status_line(monkeypatch, tmp_path):
    import io

    from rich.console import Console

    from learnpath.cli import grading
    from learnpath.grading import watch

    out = Console(file=io.StringIO(), force_terminal=True, width=100, color_system=None)
    codes = iter([1, 0])
    monkeypatch.setattr(grading, "_grade_once", lambda out, directory, *args: next(codes))

    def fake_watch(directory, once, say):
        once()
        say("changed: app.py — grading again")
        once()

    monkeypatch.setattr(watch, "watch", fake_watch)
    grading._watch(out, tmp_path, ())
    text = out.file.getvalue()
    runs = text.split("\x1b[2J")  # Rich's clear-screen sequence, once per run
    assert len(runs) == 3
    assert "a stage fails" in runs[1] and f"watching {tmp_path.name}/" in runs[1]
    assert "all graded stages pass" in runs[2] and "changed: app.py · Ctrl-C to stop" in runs[2]
    assert "grading again" not in text
    assert all(len(run.strip("\x1b[H\n").splitlines()) == 1 for run in runs[1:])


def test_hints_render_markdown(cli, tmp_path):
    (tmp_path / "learnpath.yml").write_text("exercise: blog-api\n")
    result = cli("learnpath", "hint", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Hint 1/3: Start from the starter: export PORT=8000, then" in result.stdout
    assert "`" not in result.stdout and "**" not in result.stdout


def test_one_answer_behind_most_failures_is_named_once():
    from learnpath.cli.grading import _common_answer
    from learnpath.grading.runner import GradeResult, StageResult

    def check(message: str, status: str = "fail") -> dict:
        return {"stage": "me", "status": status, "message": message}

    bad = 'got 401: \'{"errors":{"token":["is invalid"]}}\''
    result = GradeResult(
        exercise="ex",
        stack=None,
        stages=[StageResult("me", "Me")],
        tests=[
            check(f"expected status 200 for GET /api/user, {bad}"),
            check(f"expected status 422 for PUT /api/user, {bad}"),
            check(f"expected status 200 for PUT /api/user, {bad}\nmore"),
            check("expected user.bio to be null, got 'x'"),
            check("", "pass"),
        ],
    )
    line = _common_answer(result, "me")
    assert line is not None and line.startswith("3 of 4 failing checks got the same answer, 401:")
    result.tests = result.tests[:2] + result.tests[3:]  # two alike: no pattern worth naming
    assert _common_answer(result, "me") is None
