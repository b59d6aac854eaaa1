"""Progress per project: identities, separate stages, the home's active project, ``exercises``,
``start`` defaults, and the defects found on the way (import values, scaffold symlinks, SQLite
error classification, a worker that does not exit)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from learnpath import store
from learnpath.cli import next_steps
from learnpath.content import exercises
from learnpath.errors import LearnpathError, StoreError, UsageError
from learnpath.progress import dashboard, enrollment, projects, transfer
from learnpath.progress.repository import Repository

from .conftest import BIN, FIXTURES

CONTENT = FIXTURES / "content"
SOLUTION = CONTENT / "exercises" / "mini-api" / "solutions" / "python"


def _r() -> Repository:
    """The learner's progress for reading, opened as the CLI opens it."""
    return Repository(store.reader())


def _w() -> Repository:
    """The learner's progress for writing, opened as the CLI opens it."""
    return Repository(store.writer())


@pytest.fixture(autouse=True)
def _content(monkeypatch):
    monkeypatch.setenv("LEARNPATH_CONTENT", str(CONTENT))
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    store.close_all()
    yield
    store.close_all()


def _project(tmp_path: Path, name: str, yml: str) -> Path:
    dest = tmp_path / name
    shutil.copytree(SOLUTION, dest)
    (dest / "learnpath.yml").write_text(yml)
    return dest


def _stages(result) -> list[str]:
    assert result.returncode in (0, 1), result.stderr
    return [s["stage"] for s in json.loads(result.stdout)["stages"]]


# -- two projects of one exercise -----------------------------------------------------------------


@pytest.mark.slow
def test_two_projects_of_one_exercise_keep_separate_stages(cli, tmp_path):
    from learnpath.grading import session

    py = _project(tmp_path, "mini-py", "exercise: mini-api\nid: py1\nrun: python server.py\n")
    js = _project(
        tmp_path, "mini-js", "exercise: mini-api\nid: js1\nstack: express\nrun: python server.py\n"
    )
    assert _stages(cli("learnpath", "grade", str(py), "--json")) == ["health"]
    assert _stages(cli("learnpath", "grade", str(py), "--json")) == ["users", "health"]
    # The second project starts at the first stage, not where the first one is.
    assert _stages(cli("learnpath", "grade", str(js), "--json")) == ["health"]
    assert _stages(cli("learnpath", "grade", str(py), "--json")) == ["lookup", "health", "users"]

    ex = exercises.get("mini-api")
    assert session.current_stage(ex, py) == "*"
    assert session.current_stage(ex, js) == "users"
    store.close_all()
    by_id = {p["id"]: p for p in projects.projects(_r())}
    assert by_id["py1"]["passed"] == ["health", "users", "lookup"]
    assert by_id["js1"]["passed"] == ["health"] and by_id["js1"]["stack"] == "express"
    assert by_id["js1"]["folder"] == str(js.resolve())

    text = cli("learnpath", "progress", "--format", "text")
    assert text.returncode == 0, text.stderr
    assert "3/3 stages passed" in text.stdout and "1/3 stages passed" in text.stdout
    assert "skipped" not in text.stdout


def test_a_folder_without_an_id_gets_a_stable_one_from_its_path(tmp_path):
    from learnpath.grading import project, session

    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "learnpath.yml").write_text("exercise: mini-api\nrun: python server.py\n")
    cfg = project.read_project(folder)
    first = session.project_id(folder, cfg)
    assert first == session.project_id(tmp_path / "p" / ".." / "p", cfg)
    assert first[1] is True and first[0].startswith("dir-")
    other = tmp_path / "q"
    other.mkdir()
    assert session.project_id(other, cfg)[0] != first[0]
    (folder / "learnpath.yml").write_text("exercise: mini-api\nid: abc\n")
    assert session.project_id(folder, project.read_project(folder)) == ("abc", False)


def _attempt(
    project_id: str | None,
    stages: dict[str, str],
    *,
    at: float,
    status: str = "fail",
    path: str | None = None,
):
    return projects.record_attempt(
        _w(),
        "mini-api",
        stack="python",
        status=status,
        started_at=at,
        finished_at=at,
        stages=[{"stage": s, "status": st} for s, st in stages.items()],
        project=project_id,
        project_path=path or f"/tmp/{project_id}",
    )


def test_projects_count_every_stage_passed_once_and_never_report_skipped(home):
    _attempt("a", {"health": "pass"}, at=1, status="pass")
    _attempt("a", {"users": "fail", "health": "skipped"}, at=2)
    (p,) = projects.projects(_r())
    assert p["passed"] == ["health"] and p["current_stage"] == "users"
    assert p["current_index"] == 2 and p["stages_total"] == 3
    assert p["current_title"] == "Register users"
    assert [s["status"] for s in p["stages"]] == ["pass", "fail", "todo"]
    assert p["last_grade"]["status"] == "fail"
    # Each project's state is its own; without a project, the exercise's attempts all count.
    _attempt("b", {"health": "fail"}, at=3)
    assert projects.exercise_state(_r(), "mini-api", project="b")["passed_stages"] == []
    assert projects.exercise_state(_r(), "mini-api", project="a")["passed_stages"] == ["health"]
    assert projects.exercise_state(_r(), "mini-api")["attempts"] == 3


# -- the home knows the work ----------------------------------------------------------------------


def test_the_active_project_comes_first_in_the_home(cli, mini):
    from learnpath.content import curriculum

    track = curriculum.load_track("mini")
    assert dashboard.dashboard(_r(), track)["active_project"] is None
    projects.register_project(_w(), "p1", "mini-api", stack="python", path="/home/learner/p one")
    data = dashboard.dashboard(_r(), track)
    assert data["active_project"]["id"] == "p1"
    assert data["next_actions"][0]["kind"] == "grade-project"  # data: the CLI words it
    first = next_steps.worded(data)[0]
    assert first["command"] == "learnpath grade '/home/learner/p one'"
    assert "stage 1 of 3" in first["label"]
    # After a passing grade the new stage's instructions come first, then grading it.
    _attempt("p1", {"health": "pass"}, at=time.time(), status="pass", path="/home/learner/p one")
    actions = next_steps.worded(dashboard.dashboard(_r(), track))
    assert [a["command"] for a in actions[:2]] == [
        "learnpath stage '/home/learner/p one'",
        "learnpath grade '/home/learner/p one'",
    ]
    assert actions[0]["label"] == "Read stage 2 of mini-api: Register users"
    store.close_all()
    shown = cli("learning-path", "mini", "--no-input")
    assert shown.returncode == 0, shown.stderr
    assert "Project: mini-api (python) in /home/learner/p one: stage 2 of 3 (Register users)" in (
        shown.stdout
    )
    assert shown.stdout.index("learnpath stage") < shown.stdout.index("learnpath mark")


def test_exercises_lists_every_exercise_with_the_learners_projects(cli):
    _attempt("p1", {"health": "pass"}, at=1, status="pass")
    store.close_all()
    result = cli("learnpath", "exercises", "--format", "json")
    assert result.returncode == 0, result.stderr
    (mini,) = json.loads(result.stdout)
    assert mini["id"] == "mini-api" and mini["status"] == "ready"
    assert mini["stacks"] == ["python"] and mini["stages"] == 3
    (p,) = mini["projects"]
    assert (p["stage"], p["stages_total"], p["passed"]) == (2, 3, 1)
    assert p["last_grade"]["status"] == "pass"
    text = cli("learnpath", "exercises")
    assert "mini-api" in text.stdout and "ready" in text.stdout
    assert "python in /tmp/p1: stage 2/3, last grade pass" in text.stdout


# -- start ----------------------------------------------------------------------------------------


def test_start_uses_the_onboarding_stack_writes_an_id_and_becomes_active(cli, tmp_path):
    enrollment.enroll(_w(), "backend", stack="python")
    store.close_all()
    dest = tmp_path / "proj"
    result = cli("learnpath", "start", "mini-api", str(dest))
    assert result.returncode == 0, result.stderr
    assert "python starter" in result.stdout
    import yaml

    cfg = yaml.safe_load((dest / "learnpath.yml").read_text())
    assert cfg["stack"] == "python" and len(cfg["id"]) == 12
    again = tmp_path / "again"
    assert cli("learnpath", "start", "mini-api", str(again)).returncode == 0
    other = yaml.safe_load((again / "learnpath.yml").read_text())["id"]
    assert other != cfg["id"]  # a restart from scratch is a new project
    store.close_all()
    active = projects.active_project(_r())
    assert active is not None and active["id"] == other
    assert active["folder"] == str(again.resolve())


def test_start_says_plainly_when_a_stack_has_no_starter_and_suggests_ids(cli, tmp_path):
    enrollment.enroll(_w(), "backend", stack="java")
    store.close_all()
    java = cli("learnpath", "start", "mini-api", str(tmp_path / "j"))
    assert java.returncode == 2
    assert "Java: no starter yet (JVM starters are planned); choose python" in java.stderr
    assert not (tmp_path / "j").exists()
    explicit = cli("learnpath", "start", "mini-api", str(tmp_path / "j"), "--stack", "python")
    assert explicit.returncode == 0, explicit.stderr
    typo = cli("learnpath", "start", "mini-apj", str(tmp_path / "t"))
    assert typo.returncode == 2
    assert "unknown exercise 'mini-apj'; did you mean 'mini-api'?" in typo.stderr


# -- defects --------------------------------------------------------------------------------------


def _export(**rows) -> dict:
    return {"format": "learnpath-progress", "version": 1, **rows}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            {
                "enrollments": [
                    {
                        "track": "backend",
                        "started_on": "2025-13-45",
                        "pace_hours": 10,
                        "updated_at": 1,
                    }
                ]
            },
            "enrollment 1: 'started_on' must be a date like 2025-01-31, got '2025-13-45'",
        ),
        (
            {
                "statuses": [
                    {
                        "track": "backend",
                        "kind": "week",
                        "item": "m01",
                        "status": "finished",
                        "updated_at": 1,
                    }
                ]
            },
            "status 1: 'status' must be one of",
        ),
        (
            {
                "exercise_attempts": [
                    {
                        "uuid": "u",
                        "exercise": "x",
                        "status": "pass",
                        "started_at": "yesterday",
                        "finished_at": 1,
                        "stages": [],
                    }
                ]
            },
            "exercise attempt 1: 'started_at' must be a unix time",
        ),
        (
            {
                "exercise_attempts": [
                    {
                        "uuid": "u",
                        "exercise": "x",
                        "status": "pass",
                        "started_at": 1,
                        "finished_at": 1,
                        "stages": [{"stage": "s", "status": "great"}],
                    }
                ]
            },
            "exercise attempt 1, stage 1: 'status' must be one of",
        ),
        (
            {"events": [{"uuid": "e", "ts": 1, "kind": "mark", "day": "someday"}]},
            "event 1: 'day' must be a date",
        ),
    ],
)
def test_import_checks_values_and_imports_nothing_when_one_is_bad(rows, message, mini):
    # Checked before the store is opened: 'learnpath import' of a bad file creates nothing.
    with pytest.raises(UsageError, match="nothing was imported") as err:
        transfer.checked_rows(_export(**rows), "bad.json")
    assert message in str(err.value)
    with pytest.raises(UsageError, match="nothing was imported"):
        transfer.import_data(_w(), _export(**rows), "bad.json")
    assert not any(_r().dump().values())  # nothing written


def test_a_bad_date_cannot_be_imported_so_the_home_keeps_working(cli, mini, tmp_path):
    bad = tmp_path / "bad.json"
    enrollment = {"track": "mini", "started_on": "2025-02-30", "pace_hours": 10, "updated_at": 9}
    bad.write_text(json.dumps(_export(enrollments=[enrollment])))
    result = cli("learnpath", "import", str(bad))
    assert result.returncode == 2 and "started_on" in result.stderr
    home = cli("learning-path", "mini", "--no-input")
    assert home.returncode == 0, home.stderr


def test_scaffold_refuses_a_symlink_inside_the_folder_it_writes(tmp_path):
    from learnpath.grading import scaffold

    ex = exercises.get("mini-api")
    dest = tmp_path / "proj"
    dest.mkdir()
    keep = dest / "notes.txt"
    keep.write_text("my notes\n")
    (dest / "README.md").symlink_to(keep)  # points inside dest: resolve() hides the link
    with pytest.raises(LearnpathError, match="symlink"):
        scaffold.start(ex, dest, force=True)
    assert keep.read_text() == "my notes\n"


def test_scaffold_refuses_a_symlinked_folder_inside_the_destination(tmp_path):
    from learnpath.grading import scaffold

    ex = exercises.get("mini-api")
    dest = tmp_path / "proj"
    dest.mkdir()
    elsewhere = dest / "mine"
    elsewhere.mkdir()
    files = scaffold.template_files(ex.path / ex.stacks["python"].template)
    nested = next((f for f in files if f.parent != Path(".")), None)
    if nested is None:
        (dest / "learnpath.yml").symlink_to(elsewhere / "x.yml")
    else:
        (dest / nested.parts[0]).symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(LearnpathError, match="symlink"):
        scaffold.start(ex, dest, force=True)
    assert list(elsewhere.iterdir()) == []


def test_sqlite_errors_are_classified_by_code_not_by_words_in_the_message(tmp_path):
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("SELECT * FROM full_access_log")
    except sqlite3.Error as exc:
        err = exc
    conn.close()
    assert err.sqlite_errorname == "SQLITE_ERROR"
    message = str(store.translate(err, tmp_path / "progress.db"))
    assert "disk is full" not in message and "read-only" not in message
    assert "no such table: full_access_log" in message
    assert isinstance(store.translate(err, tmp_path / "x"), StoreError)


def test_a_busy_database_is_recognised_by_its_code(tmp_path):
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError) as caught:
            other.execute("BEGIN IMMEDIATE")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        other.close()
    assert "stayed busy" in str(store.translate(caught.value, path))


def test_a_worker_that_never_exits_is_stopped_not_a_traceback(monkeypatch, tmp_path):
    from learnpath.grading import runner

    script = tmp_path / "worker.py"
    script.write_text(
        "import json, os, sys, time\n"
        "print(json.dumps({'event': 'done', 'exit': 0}), flush=True)\n"
        "os.close(1)\n"
        "time.sleep(60)\n"
    )
    monkeypatch.setattr(runner, "worker_command", lambda spec: [sys.executable, str(script)])
    monkeypatch.setattr(runner, "WORKER_EXIT_TIMEOUT", 0.5)
    result = runner.GradeResult("mini-api", None, [runner.StageResult("health", "h")])
    t0 = time.monotonic()
    runner._run_worker({}, result, lambda e: None, {})
    assert time.monotonic() - t0 < 20
    assert result.status in ("pending", "error")


def test_the_weeks_exercise_shows_its_latest_project_not_a_mix(mini):
    from learnpath.content import curriculum

    track = curriculum.load_track("mini")

    def blog(project_id: str, stages: dict[str, str], at: float) -> None:
        projects.record_attempt(
            _w(),
            "blog-api",
            stack="fastapi",
            status="pass",
            started_at=at,
            finished_at=at,
            stages=[{"stage": s, "status": st} for s, st in stages.items()],
            project=project_id,
            project_path=f"/tmp/{project_id}",
        )

    blog("old", {"health": "pass", "users": "pass"}, at=1)
    blog("new", {"health": "pass"}, at=2)
    (ex,) = dashboard.dashboard(_r(), track)["current_week"]["exercises"]
    assert ex["passed_stages"] == ["health"] and ex["attempts"] == 1
