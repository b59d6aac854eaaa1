"""Progress: marks, knowledge checks, attempts, history, export/import, and the CLI commands."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import uuid
from pathlib import Path

import pytest

from learnpath import store
from learnpath.cli.next_steps import pace_words
from learnpath.content import curriculum, exercises
from learnpath.errors import UsageError
from learnpath.progress import enrollment, marks, pace, projects, streaks, transfer
from learnpath.progress.repository import Repository

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _r() -> Repository:
    """The learner's progress for reading, opened as the CLI opens it."""
    return Repository(store.reader())


def _w() -> Repository:
    """The learner's progress for writing, opened as the CLI opens it."""
    return Repository(store.writer())


@pytest.fixture(autouse=True)
def _fresh_connections():
    store.close_all()
    yield
    store.close_all()


@pytest.fixture
def track(mini):
    return curriculum.load_track("mini")


def _json(result) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# -- the "Done when" path, end to end with the real commands ------------------------------------


def test_mark_week_then_roadmap_and_progress_agree(cli, home):
    """On the built-in track: dashboard, mark week 1, roadmap JSON and progress JSON agree."""
    shown = cli("learning-path", "backend", "--no-input")
    assert shown.returncode == 0, shown.stderr
    assert "This week: Week 1 —" in shown.stdout
    assert not (home / "progress.db").exists(), "printing the dashboard writes nothing"

    marked = cli("learnpath", "mark", "week:1", "done")
    assert marked.returncode == 0, marked.stderr
    assert "week 1:" in marked.stdout and "done" in marked.stdout

    roadmap = _json(cli("explore-roadmap", "backend", "--format", "json"))
    week1 = roadmap["phases"][0]["weeks"][0]
    assert week1["week"] == 1 and week1["status"] == "done"
    assert {t["status"] for t in week1["topics"]} == {"done"}
    assert roadmap["phases"][0]["weeks"][1]["status"] == "todo"
    assert roadmap["phases"][0]["percent"] > 0

    report = _json(cli("learnpath", "progress", "--format", "json"))
    rweek1 = report["phases"][0]["weeks"][0]
    assert rweek1["id"] == week1["id"] and rweek1["status"] == "done"
    assert report["phases"][0]["percent"] == roadmap["phases"][0]["percent"]
    assert report["percent"] == roadmap["percent"]
    assert report["streak"] == 1 and report["events"] == 1

    after = cli("learning-path", "backend", "--no-input")
    assert "This week: Week 2 —" in after.stdout


def test_export_reset_import_round_trip_restores_everything(cli, home, mini, tmp_path):
    assert cli("learnpath", "mark", "week:1", "done", "--track", "mini").returncode == 0
    assert cli("learnpath", "mark", "m-select", "in-progress", "--track", "mini").returncode == 0
    quiz = cli("learnpath", "quiz", "1", "--track", "mini", "--answers", "2;1,3;2")
    assert quiz.returncode == 0, quiz.stderr
    projects.record_attempt(
        _w(),
        "blog-api",
        stack="fastapi",
        status="fail",
        started_at=1,
        finished_at=2,
        stages=[{"stage": "health", "status": "pass"}, {"stage": "users", "status": "fail"}],
    )
    store.close_all()
    before = _json(cli("learnpath", "progress", "mini", "--format", "json"))
    export_file = tmp_path / "progress.json"
    assert cli("learnpath", "export", "-o", str(export_file)).returncode == 0
    exported = json.loads(export_file.read_text())
    assert exported["format"] == "learnpath-progress" and exported["version"] == 1
    assert len(exported["events"]) == 4 and exported["exercise_attempts"][0]["stages"]

    assert cli("learnpath", "reset").returncode == 2  # needs --yes
    reset = cli("learnpath", "reset", "--yes")
    assert reset.returncode == 0, reset.stderr
    assert "backup" in reset.stdout
    assert list((home / "backups").glob("progress-*.json"))
    empty = _json(cli("learnpath", "progress", "mini", "--format", "json"))
    assert empty["percent"] == 0 and empty["events"] == 0 and empty["exercises"] == []

    imported = cli("learnpath", "import", str(export_file))
    assert imported.returncode == 0, imported.stderr
    after = _json(cli("learnpath", "progress", "mini", "--format", "json"))
    assert after == before
    again = cli("learnpath", "import", str(export_file))
    assert "nothing new" in again.stdout
    assert _json(cli("learnpath", "progress", "mini", "--format", "json")) == before
    re_export = json.loads(cli("learnpath", "export").stdout)
    for key in ("enrollments", "statuses", "quiz_attempts", "exercise_attempts", "events"):
        assert re_export[key] == exported[key], key


# -- marks ----------------------------------------------------------------------------------------


def test_marks_are_keyed_by_stable_ids(track, home):
    marks.mark(_w(), track, "week:1", "done")
    marks.mark(_w(), track, "m-select", "in-progress")
    s = store.open_store()
    assert s is not None
    rows = {tuple(r) for r in s.rows("SELECT kind, item, status FROM statuses")}
    assert rows == {("week", "m01-http", "done"), ("topic", "m-select", "in-progress")}
    overlay = marks.overlay_for(_r(), track)
    assert overlay.week(track.find_week(1)) == "done"
    assert overlay.week(track.find_week(2)) == "in-progress"
    marks.mark(_w(), track, "week:1", "todo")
    assert marks.overlay_for(_r(), track).week(track.find_week(1)) == "todo"
    assert s.value("SELECT count(*) FROM events WHERE kind = 'mark'") == 3


def test_mark_errors_are_clear(track):
    with pytest.raises(UsageError, match="belongs to a specialization"):
        marks.mark(_w(), track, "week:3", "done")
    with pytest.raises(UsageError, match="weeks 1-3"):
        marks.mark(_w(), track, "week:9", "done")
    with pytest.raises(UsageError, match="did you mean m-select"):
        marks.mark(_w(), track, "m-selct", "done")
    with pytest.raises(UsageError, match="unknown status"):
        marks.mark(_w(), track, "week:1", "finished")


def test_marking_a_branch_week_chooses_that_branch(track):
    marked = marks.mark(_w(), track, "week:3", "in-progress", specialization="right")
    assert marked.specialization_chosen == "right"
    assert enrollment.chosen_specialization(_r(), track) == "right"
    marks.mark(_w(), track, "week:3", "done", specialization="left")
    assert enrollment.chosen_specialization(_r(), track) == "right", (
        "a choice is never silently changed"
    )
    enrollment.choose_specialization(_w(), track, "left")
    assert enrollment.chosen_specialization(_r(), track) == "left"
    assert marks.find_week(track, 3, chosen="left").id == "m03-left"


def test_mark_cli_with_specialization(cli, mini):
    bad = cli("learnpath", "mark", "week:3", "done", "--track", "mini")
    assert bad.returncode == 2 and "--specialization" in bad.stderr
    ok = cli("learnpath", "mark", "week:3", "done", "--track", "mini", "--specialization", "left")
    assert ok.returncode == 0, ok.stderr
    assert "specialization is now left" in ok.stdout
    roadmap = _json(cli("explore-roadmap", "mini", "--format", "json"))
    left = next(s for s in roadmap["specializations"] if s["id"] == "left")
    assert left["weeks"][0]["status"] == "done" and left["percent"] == 100


# -- orphans ------------------------------------------------------------------------------------


def test_progress_on_ids_that_no_longer_exist_is_kept_and_reported(
    cli, mini, tmp_path, monkeypatch
):
    assert cli("learnpath", "mark", "m-http-verbs", "done", "--track", "mini").returncode == 0
    assert cli("learnpath", "mark", "m-status", "done", "--track", "mini").returncode == 0
    # A new version of the track renames both topics.
    changed = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", changed)
    module = changed / "mini" / "m01-http.yaml"
    text = module.read_text().replace("id: m-http-verbs", "id: m-verbs")
    module.write_text(text.replace("id: m-status", "id: m-codes"))
    monkeypatch.setenv("LEARNPATH_PATH", str(changed))
    report = _json(cli("learnpath", "progress", "mini", "--format", "json"))
    assert report["orphans"]["topics"] == {"done": 2}
    assert report["orphan_messages"][0].startswith(
        "2 finished topics no longer exist in this version of the track"
    )
    assert report["percent"] == 0, "percentages count only live items"
    home = cli("learning-path", "mini", "--no-input")
    assert "2 finished topics no longer exist in this version of the track" in home.stdout
    text_view = cli("learnpath", "progress", "mini")
    assert "2 finished topics no longer exist" in text_view.stdout
    exported = json.loads(cli("learnpath", "export").stdout)
    assert {s["item"] for s in exported["statuses"]} == {"m-http-verbs", "m-status"}


# -- knowledge checks ---------------------------------------------------------------------------


def test_quiz_with_answers_is_scored_explained_and_stored(cli, home, mini):
    result = cli("learnpath", "quiz", "1", "--track", "mini", "--answers", "2;1,3;2")
    assert result.returncode == 0, result.stderr
    assert "Score: 2/3" in result.stdout
    assert "Structured Query Language." in result.stdout  # the explanation of the miss
    # Choices are numbered as shown: without --seed, in the file's order.
    assert "correct: 1) Structured Query Language" in result.stdout
    s = store.open_store()
    assert s is not None
    row = s.rows("SELECT week, score, total, answers, taken_at, seed FROM quiz_attempts")[0]
    assert row["seed"] is None
    assert (row["week"], row["score"], row["total"]) == ("m01-http", 2, 3)
    assert json.loads(row["answers"]) == {"q1": [1], "q2": [0, 2], "q3": [1]}
    assert row["taken_at"] > 0


def test_quiz_reads_answers_from_stdin_when_not_a_terminal(cli, mini):
    result = cli("learnpath", "quiz", "1", "--track", "mini", input="2\n1,3\n1\n")
    assert result.returncode == 0, result.stderr
    assert "Score: 3/3" in result.stdout and "passed" in result.stdout
    report = _json(cli("learnpath", "progress", "mini", "--format", "json"))
    quiz = report["phases"][0]["weeks"][0]["quiz"]
    assert quiz == {"attempts": 1, "best": 100.0, "last": "3/3", "passed": True}


def test_quiz_rejects_malformed_answers(cli, mini):
    for answers, message in (
        ("2;1", "expected answers to 3 questions"),
        ("2;1,3;7", "choice 7 does not exist"),
        ("1,2;1,3;1", "takes one answer"),
    ):
        result = cli("learnpath", "quiz", "1", "--track", "mini", "--answers", answers)
        assert result.returncode == 2 and message in result.stderr, (answers, result.stderr)


# -- the grading engine's API -----------------------------------------------------------------


def test_record_attempt_and_exercise_state_follow_the_contract(home):
    assert projects.exercise_state(_r(), "blog-api") == {
        "current_stage": projects.exercise_state(_r(), "blog-api")["current_stage"],
        "passed_stages": [],
        "attempts": 0,
        "last_status": None,
    }
    first = projects.record_attempt(
        _w(),
        "my-ex",
        stack="fastapi",
        status="fail",
        started_at=10.0,
        finished_at=20.0,
        stages=[
            {
                "stage": "health",
                "status": "pass",
                "passed": 2,
                "failed": 0,
                "duration": 0.1,
                "message": "",
            },
            {
                "stage": "users",
                "status": "fail",
                "passed": 1,
                "failed": 1,
                "duration": 0.2,
                "message": "expected status 201, got 200",
            },
            {"stage": "posts", "status": "skipped"},
        ],
        report={"status": "fail"},
    )
    second = projects.record_attempt(
        _w(),
        "my-ex",
        stack="fastapi",
        status="error",
        started_at=30.0,
        finished_at=31.0,
        stages=[{"stage": "users", "status": "fail", "message": "boom"}],
    )
    assert second > first
    state = projects.exercise_state(_r(), "my-ex")
    assert state == {
        "current_stage": "users",
        "passed_stages": ["health"],
        "attempts": 2,
        "last_status": "error",
    }
    projects.record_attempt(
        _w(),
        "my-ex",
        stack="express",
        status="pass",
        started_at=40,
        finished_at=41,
        stages=[{"stage": "users", "status": "pass"}, {"stage": "posts", "status": "pass"}],
    )
    assert projects.exercise_state(_r(), "my-ex")["current_stage"] is None
    assert projects.exercise_state(_r(), "my-ex")["passed_stages"] == ["health", "users", "posts"]
    with pytest.raises(UsageError, match="reported twice"):
        projects.record_attempt(
            _w(),
            "my-ex",
            stack=None,
            status="fail",
            started_at=1,
            finished_at=2,
            stages=[{"stage": "a", "status": "pass"}, {"stage": "a", "status": "fail"}],
        )
    with pytest.raises(UsageError):
        projects.record_attempt(
            _w(), "my-ex", stack=None, status="maybe", started_at=1, finished_at=2, stages=[]
        )
    assert projects.exercise_state(_r(), "my-ex")["attempts"] == 3


def test_exercise_state_orders_stages_by_the_definition(home):

    ex = exercises.get("blog-api")
    ids = [s.id for s in ex.stages]
    # Reported out of order (the engine runs the current stage first): order comes from the YAML.
    projects.record_attempt(
        _w(),
        "blog-api",
        stack="fastapi",
        status="fail",
        started_at=1,
        finished_at=2,
        stages=[{"stage": ids[1], "status": "pass"}, {"stage": ids[0], "status": "pass"}],
    )
    state = projects.exercise_state(_r(), "blog-api")
    assert state["passed_stages"] == ids[:2]
    assert state["current_stage"] == ids[2]


# -- history: streak, pace, activity ------------------------------------------------------------


def _events_on(days: list[dt.date]) -> None:
    s = store.open_store()
    assert s is not None
    with s.write() as conn:
        for d in days:
            conn.execute(
                "INSERT INTO events (uuid, ts, day, kind) VALUES (?, ?, ?, 'mark')",
                (uuid.uuid4().hex, 0, d.isoformat()),
            )


def _streak(today: dt.date) -> int:
    return streaks.streak(_r().event_days(today.isoformat()), today)


def test_streak_counts_consecutive_days_up_to_today_or_yesterday(home):
    today = dt.date(2025, 3, 10)
    assert _streak(today) == 0
    days = [today - dt.timedelta(days=n) for n in (1, 1, 2, 3, 5, 6)]
    _events_on(days)
    assert _streak(today) == 3  # yesterday, the day before, and the one before
    assert _streak(today + dt.timedelta(days=2)) == 0
    _events_on([today, today - dt.timedelta(days=4)])
    assert _streak(today) == 7


def test_time_on_pace_says_how_far_behind(track):
    started = dt.date(2025, 1, 6)
    enrollment.enroll(_w(), "mini", pace_hours=5, stack="node", started_on=started.isoformat())
    enrolled = enrollment.enrollment(_r(), "mini")
    assert enrolled is not None
    today = started + dt.timedelta(days=14)  # two weeks at 5 h/week: two 5-hour weeks expected
    overlay = marks.overlay_for(_r(), track)
    behind = pace.pace(track, enrolled, overlay, today)
    assert behind["expected_weeks"] == 2 and behind["finished_weeks"] == 0
    assert behind["delta"] == -2
    assert pace_words(behind)["message"] == "2 weeks behind your 5 h/week plan"
    marks.mark(_w(), track, "week:1", "done")
    marks.mark(_w(), track, "week:2", "skipped")
    on = pace.pace(track, enrolled, marks.overlay_for(_r(), track), today)
    assert on["delta"] == 0
    assert pace_words(on)["message"] == "on pace with your 5 h/week plan"


def test_activity_buckets_events_by_calendar_week(home):
    today = dt.date(2025, 3, 12)  # a Wednesday
    _events_on([today, today - dt.timedelta(days=2), today - dt.timedelta(days=3)])
    first, last = streaks.activity_window(3, today)
    per_day = _r().events_per_day(first.isoformat(), last.isoformat())
    weeks = streaks.activity(per_day, 3, today)
    assert [w["week_of"] for w in weeks] == ["2025-02-24", "2025-03-03", "2025-03-10"]
    assert [w["events"] for w in weeks] == [0, 1, 2]


def test_progress_text_shows_statuses_and_an_activity_chart(cli, mini):
    cli("learnpath", "mark", "m-select", "in-progress", "--track", "mini")
    projects.record_attempt(
        _w(),
        "blog-api",
        stack="fastapi",
        status="fail",
        started_at=1,
        finished_at=2,
        stages=[{"stage": "health", "status": "fail", "message": "expected 200, got 500"}],
    )
    store.close_all()
    text = cli("learnpath", "progress", "mini")
    assert text.returncode == 0, text.stderr
    assert "Activity (events per week, last 12 weeks)" in text.stdout
    assert "▇" in text.stdout
    assert "◐ Week  2 SQL basics" in text.stdout
    assert "◐ INSERT" not in text.stdout and "◐ SELECT (m-select)" in text.stdout
    assert "blog-api: 1 attempt, last fail" in text.stdout
    assert "expected 200, got 500" in text.stdout
    assert "\x1b[" not in text.stdout


# -- import merging -----------------------------------------------------------------------------


def test_import_merges_newer_status_wins_and_is_idempotent(track):
    marks.mark(_w(), track, "week:1", "done")
    marks.mark(_w(), track, "week:2", "in-progress")
    doc = transfer.export_data(_r())
    # Elsewhere: week 2 was finished later; week 1 was reset earlier (older: must lose).
    for s in doc["statuses"]:
        if s["item"] == "m02-sql":
            s["status"], s["updated_at"] = "done", s["updated_at"] + 100
        if s["item"] == "m01-http":
            s["status"], s["updated_at"] = "todo", s["updated_at"] - 100
    doc["events"].append(
        {
            "uuid": "elsewhere-1",
            "ts": 1.0,
            "day": "2020-01-01",
            "kind": "mark",
            "track": "mini",
            "item": "m02-sql",
            "payload": {"status": "done"},
        }
    )
    counts = transfer.import_data(_w(), doc)
    assert counts["statuses"] == 1 and counts["events"] == 1
    overlay = marks.overlay_for(_r(), track)
    assert overlay.weeks == {"m01-http": "done", "m02-sql": "done"}
    assert transfer.import_data(_w(), doc) == dict.fromkeys(counts, 0)
    assert len(transfer.export_data(_r())["events"]) == 3


def test_import_refuses_what_is_not_an_export(cli, tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text('{"hello": 1}')
    result = cli("learnpath", "import", str(bad))
    assert result.returncode == 2 and "not a learnpath progress export" in result.stderr
    newer = tmp_path / "newer.json"
    newer.write_text('{"format": "learnpath-progress", "version": 99}')
    result = cli("learnpath", "import", str(newer))
    assert result.returncode == 2 and "upgrade learnpath" in result.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "learnpath-progress", "version": 1, "statuses": [{"x": 1}]}')
    result = cli("learnpath", "import", str(broken))
    assert result.returncode == 2 and "lacks" in result.stderr
