"""A progress database written by an earlier learnpath migrates and keeps everything."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from learnpath import store
from learnpath.content import exercises
from learnpath.progress import projects
from learnpath.progress.repository import Repository

CONTENT = Path(__file__).resolve().parent / "fixtures" / "content"


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


def _version_1_database(path) -> None:
    """What learnpath 0.1 created: only the first migration, its attempts, no 'skip' status."""
    from sqlite_utils import Database, Migrations

    name, _, statements = store.MIGRATIONS[0]
    first = Migrations("learnpath")
    first(name=name)(store._runner(name, statements))
    db = Database(path)
    first.apply(db)
    db.execute(f"PRAGMA application_id = {store.APPLICATION_ID}")
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO exercise_attempts (id, uuid, exercise, stack, status, started_at, "
        "finished_at, stage_count) VALUES (7, 'u7', 'blog-api', 'fastapi', 'fail', 1.0, 2.0, 2)"
    )
    db.execute(
        "INSERT INTO stage_results (attempt_id, stage, seq, status, passed, failed, message) "
        "VALUES (7, 'health', 0, 'pass', 2, 0, ''), (7, 'register', 1, 'fail', 1, 3, 'boom')"
    )
    db.conn.commit()
    db.close()
    with pytest.raises(sqlite3.IntegrityError):  # the old CHECK really refuses 'skip'
        conn = sqlite3.connect(path)
        try:
            conn.execute(
                "INSERT INTO stage_results (attempt_id, stage, seq, status) "
                "VALUES (7, 'x', 2, 'skip')"
            )
        finally:
            conn.close()


def test_version_1_database_migrates_keeping_attempts_and_accepts_skip(home):
    path = home / store.DB_NAME
    _version_1_database(path)

    s = store.open_store()
    assert s is not None
    assert s.value("PRAGMA user_version") == store.SCHEMA_VERSION == 4
    kept = [
        tuple(r)
        for r in s.rows(
            "SELECT stage, status, passed, failed, message FROM "
            "stage_results WHERE attempt_id = 7 ORDER BY seq"
        )
    ]
    assert kept == [("health", "pass", 2, 0, ""), ("register", "fail", 1, 3, "boom")]
    assert s.value("PRAGMA foreign_key_check") is None
    assert s.value("PRAGMA integrity_check") == "ok"

    attempt = projects.record_attempt(
        _w(),
        "blog-api",
        stack="fastapi",
        status="pass",
        started_at=3.0,
        finished_at=4.0,
        stages=[
            {"stage": "health", "status": "pass", "passed": 2},
            {"stage": "persistence", "status": "skip", "message": "not checked with --url"},
        ],
    )
    got = dict(
        tuple(r)
        for r in s.rows("SELECT stage, status FROM stage_results WHERE attempt_id = ?", (attempt,))
    )
    assert got == {"health": "pass", "persistence": "skip"}
    # Deleting an attempt still cascades to its stage results in the rebuilt table.
    with s.write() as conn:
        conn.execute("DELETE FROM exercise_attempts WHERE id = 7")
    assert s.value("SELECT count(*) FROM stage_results WHERE attempt_id = 7") == 0


def _version_2_database(path) -> None:
    """What learnpath wrote before projects had identities: two migrations, attempts without
    a project."""
    from sqlite_utils import Database, Migrations

    older = Migrations("learnpath")
    for name, _, statements in store.MIGRATIONS[:2]:
        older(name=name)(store._runner(name, statements))
    db = Database(path)
    older.apply(db)
    db.execute(f"PRAGMA application_id = {store.APPLICATION_ID}")
    db.execute("PRAGMA user_version = 2")
    db.execute(
        "INSERT INTO exercise_attempts (id, uuid, exercise, stack, status, started_at, "
        "finished_at, stage_count) VALUES (3, 'u3', 'mini-api', 'python', 'pass', 1.0, 2.0, 2)"
    )
    db.execute(
        "INSERT INTO stage_results (attempt_id, stage, seq, status, passed) "
        "VALUES (3, 'users', 0, 'pass', 2), (3, 'health', 1, 'pass', 1)"
    )
    db.conn.commit()
    db.close()


def test_version_2_database_migrates_and_an_older_project_keeps_its_stages(
    home, tmp_path, monkeypatch
):
    from learnpath.grading import project, session

    monkeypatch.setenv("LEARNPATH_CONTENT", str(CONTENT))

    path = home / store.DB_NAME
    _version_2_database(path)
    s = store.open_store()
    assert s is not None
    assert s.value("PRAGMA user_version") == store.SCHEMA_VERSION == 4
    kept = s.rows("SELECT id, exercise, project FROM exercise_attempts")
    assert [tuple(r) for r in kept] == [(3, "mini-api", None)]
    assert s.value("PRAGMA integrity_check") == "ok"

    ex = exercises.get("mini-api")
    # A folder an earlier learnpath made (no id in learnpath.yml) carries on where it was ...
    old = tmp_path / "old"
    old.mkdir()
    (old / "learnpath.yml").write_text("exercise: mini-api\nrun: python server.py\n")
    assert session.current_stage(ex, old) == "lookup"
    # ... a project made by this learnpath (with an id) starts from the first stage.
    new = tmp_path / "new"
    new.mkdir()
    (new / "learnpath.yml").write_text("exercise: mini-api\nid: fresh1\nrun: python x.py\n")
    assert session.current_stage(ex, new) is None

    # The older folder's first grade adopts the attempts recorded before projects existed.
    pid, derived = session.project_id(old, project.read_project(old))
    assert derived
    projects.record_attempt(
        _w(),
        "mini-api",
        stack="python",
        status="fail",
        started_at=5.0,
        finished_at=6.0,
        stages=[{"stage": "lookup", "status": "fail", "failed": 1}],
        project=pid,
        project_path=str(old),
        adopt_legacy=True,
    )
    owners = {r[0] for r in s.rows("SELECT project FROM exercise_attempts")}
    assert owners == {pid}
    (mine,) = projects.projects(_r())
    assert mine["passed"] == ["health", "users"] and mine["current_stage"] == "lookup"
    assert mine["attempts"] == 2


def _version_3_database(path) -> None:
    """What learnpath wrote before knowledge checks were shuffled: three migrations and a quiz
    attempt without a seed (its choices were shown in file order)."""
    from sqlite_utils import Database, Migrations

    older = Migrations("learnpath")
    for name, _, statements in store.MIGRATIONS[:3]:
        older(name=name)(store._runner(name, statements))
    db = Database(path)
    older.apply(db)
    db.execute(f"PRAGMA application_id = {store.APPLICATION_ID}")
    db.execute("PRAGMA user_version = 3")
    db.execute(
        "INSERT INTO quiz_attempts (id, uuid, track, week, taken_at, score, total, answers) "
        """VALUES (4, 'q4', 'mini', 'm01-http', 1.0, 2, 3, '{"q1": [1], "q2": [0, 2]}')"""
    )
    db.conn.commit()
    db.close()


def test_version_3_database_keeps_its_quiz_attempts_shown_in_file_order(home, cli, mini):
    path = home / store.DB_NAME
    _version_3_database(path)
    s = store.open_store()
    assert s is not None
    assert s.value("PRAGMA user_version") == store.SCHEMA_VERSION == 4
    kept = s.rows("SELECT id, score, answers, seed FROM quiz_attempts")
    assert [tuple(r) for r in kept] == [(4, 2, '{"q1": [1], "q2": [0, 2]}', None)]
    store.close_all()
    review = cli("learnpath", "quiz", "1", "--track", "mini", "--review")
    assert review.returncode == 0, review.stderr
    assert "(choices as shown: file order)" in review.stdout
    assert "your answer: 1) GET; 3) POST" in review.stdout
