"""How long the plan really takes at the learner's pace, and what is next after a grade."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from learnpath import store
from learnpath.content import curriculum
from learnpath.progress import projects
from learnpath.progress.pace import plan_length
from learnpath.progress.repository import Repository

CONTENT = Path(__file__).resolve().parent / "fixtures" / "content"


@pytest.fixture(autouse=True)
def _fresh_connections():
    store.close_all()
    yield
    store.close_all()


def test_plan_length_sums_the_path_weeks_hours_at_the_pace(mini):
    track = curriculum.load_track("mini")  # two 5 h main weeks, one 5 h week per branch
    before_choosing = plan_length(track, None, 10)
    assert before_choosing == {
        "hours": 15,
        "weeks": 3,
        "calendar_weeks": 2,
        "pace_hours": 10,
        "branch": track.specializations[0].id,
    }
    assert plan_length(track, "right", 10)["branch"] == "right"
    assert plan_length(track, "right", 5)["calendar_weeks"] == 3
    assert plan_length(track, "right", 4)["calendar_weeks"] == 4  # 15 h at 4 h/week: 3.75


def test_home_and_progress_say_how_long_the_plan_takes(cli, mini):
    home = cli("learning-path", "mini", "--no-input")
    assert home.returncode == 0, home.stderr
    assert "Plan: the plan is 15 h: about 2 weeks at 10 h/week (3 curriculum weeks)" in home.stdout
    assert cli("learnpath", "mark", "week:1", "in-progress", "--track", "mini").returncode == 0
    report = cli("learnpath", "progress", "mini")
    assert report.returncode == 0, report.stderr
    assert "Plan: the plan is 15 h: about 2 weeks at 10 h/week" in report.stdout


def _result(*passed: str, project: str | None = "p1") -> SimpleNamespace:
    stages = [SimpleNamespace(stage=s, status="pass") for s in passed]
    return SimpleNamespace(exercise="mini-api", stages=stages, project=project)


def test_what_is_next_comes_from_every_passed_stage_never_one_run(monkeypatch):
    from learnpath.grading import session

    monkeypatch.setenv("LEARNPATH_CONTENT", str(CONTENT))
    # Passing the last stage alone (grade --stage lookup) does not complete the exercise.
    assert session.stage_after(_result("lookup")) == "health"  # type: ignore[arg-type]
    projects.record_attempt(
        Repository(store.writer()),
        "mini-api",
        stack="python",
        status="pass",
        started_at=1.0,
        finished_at=2.0,
        stages=[{"stage": "health", "status": "pass"}, {"stage": "users", "status": "pass"}],
        project="p1",
    )
    assert session.stage_after(_result("lookup")) == session.ALL_DONE  # type: ignore[arg-type]
    # Another project of the same exercise has its own stages.
    assert session.stage_after(_result("lookup", project="p2")) == "health"  # type: ignore[arg-type]
