"""The progress database: identity, schema, migrations, and refusing to damage what it is not."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from learnpath import store
from learnpath.errors import StoreError
from learnpath.progress import dashboard, enrollment, marks, projects
from learnpath.progress.repository import Repository

ROOT = Path(__file__).resolve().parent.parent


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


def _attempt(exercise: str = "blog-api", n: int = 3) -> int:
    return projects.record_attempt(
        _w(),
        exercise,
        stack="fastapi",
        status="fail",
        started_at=1.0,
        finished_at=2.0,
        stages=[{"stage": f"s{i}", "status": "pass" if i else "fail"} for i in range(n)],
    )


def test_new_database_is_marked_as_ours_with_wal_and_foreign_keys(home):
    s = store.open_store()
    assert s is not None
    assert s.path == home / "progress.db"
    assert s.value("PRAGMA application_id") == store.APPLICATION_ID
    assert s.value("PRAGMA user_version") == store.SCHEMA_VERSION
    assert s.value("PRAGMA journal_mode") == "wal"
    assert s.value("PRAGMA foreign_keys") == 1
    assert s.value("PRAGMA busy_timeout") == store.BUSY_TIMEOUT_MS
    applied = [r["name"] for r in s.rows("SELECT name FROM _sqlite_migrations")]
    assert applied == [name for name, _, _ in store.MIGRATIONS]


def test_reading_never_creates_the_database(home, mini):
    from learnpath.content import curriculum

    track = curriculum.load_track("mini")
    assert marks.overlay_for(_r(), track).weeks == {}
    assert enrollment.chosen_specialization(_r(), track) is None
    assert projects.exercise_state(_r(), "blog-api")["attempts"] == 0
    dashboard.dashboard(_r(), track)
    dashboard.report(_r(), track)
    assert not (home / "progress.db").exists()


def test_a_blank_database_file_reads_as_no_progress_and_the_next_write_migrates_it(home):
    db = home / "progress.db"
    db.write_bytes(b"")  # created, but its first migration never ran
    assert store.open_store(create=False) is None
    assert projects.exercise_state(_r(), "blog-api")["attempts"] == 0
    assert db.read_bytes() == b"", "reading must not migrate (or write) the file"
    _attempt()
    store.close_all()
    assert projects.exercise_state(_r(), "blog-api")["attempts"] == 1
    assert store.check() == "ok"


def test_schema_doc_is_generated_from_the_migrations():
    doc = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    assert doc == store.schema_markdown(), (
        "docs/schema.md is stale: run python -m learnpath.store --schema-doc -o docs/schema.md"
    )
    for table in ("enrollments", "statuses", "quiz_attempts", "exercise_attempts", "events"):
        assert f"## Table `{table}`" in doc


def test_events_are_append_only(home):
    _attempt()
    s = store.open_store()
    assert s is not None
    with pytest.raises(StoreError, match="append-only"), s.write() as conn:
        conn.execute("UPDATE events SET kind = 'x'")
    assert s.value("SELECT kind FROM events") == "grade"


def test_a_stage_row_without_its_attempt_is_rejected(home):
    s = store.open_store()
    assert s is not None
    with pytest.raises(StoreError), s.write() as conn:
        conn.execute(
            "INSERT INTO stage_results (attempt_id, stage, seq, status) "
            "VALUES (999, 'x', 0, 'pass')"
        )


def _refused(cli, home: Path, expected: str) -> None:
    """A write and a read both refuse the file, name it, leave it alone, and say ``expected``."""
    db = home / "progress.db"
    before = db.read_bytes()
    result = cli("learnpath", "mark", "week:1", "done", "--track", "mini")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert str(db) in result.stderr
    assert "learnpath export" in result.stderr and "move it aside" in result.stderr
    assert db.read_bytes() == before, "the file must never be overwritten"
    assert expected in result.stderr, result.stderr
    # The read paths refuse it just as clearly.
    shown = cli("learning-path", "mini", "--no-input")
    assert shown.returncode == 2 and str(db) in shown.stderr
    assert db.read_bytes() == before


def test_a_foreign_sqlite_database_is_refused_and_left_alone(cli, home, mini):
    conn = sqlite3.connect(home / "progress.db")
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.execute("INSERT INTO notes VALUES ('precious')")
    conn.commit()
    conn.close()
    _refused(cli, home, "is an SQLite database but not a learnpath progress database")


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(cli, home, mini):
    (home / "progress.db").write_bytes(b"my thesis, chapter 1\n" * 100)
    _refused(cli, home, "not a learnpath progress database (not SQLite at all)")


def test_a_corrupt_learnpath_database_gets_a_clear_error(cli, home, mini):
    _attempt()
    store.close_all()
    db = home / "progress.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = bytearray(db.read_bytes())
    # Keep the 100-byte header (it still says SQLite), scramble the schema page.
    data[100:4096] = os.urandom(3996)
    db.write_bytes(bytes(data))
    _refused(cli, home, "is not a readable learnpath progress database")


def test_a_database_from_a_newer_learnpath_is_refused(home):
    s = store.open_store()
    assert s is not None
    s.conn.execute(f"PRAGMA user_version = {store.SCHEMA_VERSION + 1}")
    store.close_all()
    with pytest.raises(StoreError, match="newer learnpath"):
        store.open_store()


def test_a_full_disk_is_a_clear_error_and_the_data_stays(home):
    first = _attempt()
    s = store.open_store()
    assert s is not None
    # SQLITE_FULL for real: cap the file at its current size for this connection.
    pages = s.value("PRAGMA page_count")
    s.conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreError, match="disk is full"):
        projects.record_attempt(
            _w(),
            "blog-api",
            stack="fastapi",
            status="pass",
            started_at=1,
            finished_at=2,
            stages=[{"stage": f"s{i}", "status": "pass", "message": "x" * 4000} for i in range(50)],
        )
    store.close_all()
    assert projects.exercise_state(_r(), "blog-api")["attempts"] == 1
    assert store.check() == "ok"
    assert first == 1


def test_a_read_only_database_is_a_clear_error_and_the_data_stays(cli, mini, monkeypatch, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("LEARNPATH_HOME", str(home))
    progress_db = home / "progress.db"
    result = cli("learnpath", "mark", "week:1", "done", "--track", "mini")
    assert result.returncode == 0, result.stderr
    store.close_all()
    home.chmod(0o555)
    for f in home.iterdir():
        f.chmod(0o444)
    prefix: list[str] = []
    if os.geteuid() == 0:
        # root ignores file modes through CAP_DAC_OVERRIDE: drop that capability (and
        # DAC_READ_SEARCH) so the modes above hold, while staying the same user.
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("setpriv is needed to drop root's file-permission override")
        caps = "-dac_override,-dac_read_search"
        prefix = [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]
    before = {f.name: f.read_bytes() for f in home.iterdir() if f.is_file()}
    exe = Path(sys.executable).parent / "learnpath"
    try:
        run = subprocess.run(
            [*prefix, str(exe), "mark", "week:2", "done", "--track", "mini"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        home.chmod(0o755)
        for f in home.iterdir():
            f.chmod(0o644)
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert str(progress_db) in run.stderr, run.stderr
    assert "read-only" in run.stderr or "readonly" in run.stderr, run.stderr
    after = {f.name: f.read_bytes() for f in home.iterdir() if f.is_file()}
    assert after["progress.db"] == before["progress.db"]
    shown = cli("learnpath", "progress", "mini", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    assert '"status": "done"' in shown.stdout
