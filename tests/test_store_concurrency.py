"""Never lose a learner's history: real processes writing at once, and killed mid-write."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent

# A grading run: one attempt with many stage rows per transaction, in a tight loop.
WRITER = """
import sys, time
from learnpath import store
from learnpath.progress import projects
from learnpath.progress.repository import Repository
n = int(sys.argv[1])
stages = [{"stage": f"stage-{i}", "status": "pass" if i % 3 else "fail", "passed": i,
           "failed": i % 2, "duration": 0.5, "message": "m" * 200} for i in range(40)]
print("ready", flush=True)
i = 0
while n < 0 or i < n:
    projects.record_attempt(Repository(store.writer()), "blog-api", stack="fastapi",
                            status="fail", started_at=time.time(), finished_at=time.time(),
                            stages=stages, report={"i": i})
    i += 1
"""

MARKER = """
import sys
from learnpath.content import curriculum
from learnpath import store
from learnpath.progress import marks
from learnpath.progress.repository import Repository
t = curriculum.load_track("mini")
items = ["week:1", "week:2", "m-http-verbs", "m-status"]
for i in range(int(sys.argv[1])):
    status = ["done", "in-progress", "todo"][i % 3]
    marks.mark(Repository(store.writer()), t, items[i % len(items)], status)
"""


def _attempts() -> int:
    """Attempts of blog-api, read as the CLI reads them."""
    from learnpath import store
    from learnpath.progress import projects
    from learnpath.progress.repository import Repository

    return projects.exercise_state(Repository(store.reader()), "blog-api")["attempts"]


def _count(home: Path, sql: str) -> int:
    con = sqlite3.connect(home / "progress.db")
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_concurrent_writers_never_see_database_is_locked(home, mini):
    """Several `learnpath mark` loops, a grading loop and a tight marking loop, all at once."""
    clis = [
        subprocess.Popen(
            [
                "bash",
                "-c",
                f"for i in 1 2 3 4 5; do {BIN}/learnpath mark week:{w} done "
                f"--track mini || exit 1; {BIN}/learnpath mark m-rest in-progress --track mini "
                "|| exit 1; done",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in (1, 2, 1)
    ]
    grader = subprocess.Popen(
        [sys.executable, "-c", WRITER, "150"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    marker = subprocess.Popen(
        [sys.executable, "-c", MARKER, "300"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    failures = []
    for p in [*clis, grader, marker]:
        _out, err = p.communicate(timeout=240)
        if p.returncode != 0 or "locked" in err.lower():
            failures.append((p.args, p.returncode, err[-2000:]))
    assert not failures
    assert _count(home, "SELECT count(*) FROM exercise_attempts") == 150
    assert _count(home, "SELECT count(*) FROM stage_results") == 150 * 40
    marks = 3 * 5 * 2 + 300
    assert _count(home, "SELECT count(*) FROM events WHERE kind = 'mark'") == marks
    assert _count(home, "SELECT count(*) FROM events WHERE kind = 'grade'") == 150


def test_sigkill_mid_write_leaves_a_consistent_database(home):
    seed = int(os.environ.get("LEARNPATH_KILL_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    kills = 0
    for _ in range(32):
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER, "-1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        # Sometimes before the store is even open (creation, migrations), mostly mid-loop.
        if rng.random() < 0.8:
            assert child.stdout is not None
            child.stdout.readline()
        time.sleep(rng.uniform(0.0, 0.15))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        kills += child.returncode == -signal.SIGKILL
    assert kills >= 30, f"seed {seed}: only {kills} processes were killed mid-run"
    # Every writer may have died before the first migration committed: learnpath reads that
    # file as "no progress yet", and the next writer migrates it.
    from learnpath import store

    store.close_all()
    before = _attempts()
    store.close_all()
    finish = subprocess.run(
        [sys.executable, "-c", WRITER, "2"], capture_output=True, text=True, timeout=120
    )
    assert finish.returncode == 0, f"seed {seed}: {finish.stderr[-2000:]}"
    _assert_consistent(home, before + 2, f"seed {seed}")
    assert _attempts() == before + 2
    store.close_all()


# Runs the real migrations, but SIGKILLs itself after their first statements: a kill that
# lands before the first migration committed, every time.
KILLED_IN_MIGRATION = """
import os, signal
from learnpath import store
from learnpath.progress import projects
from learnpath.progress.repository import Repository
real = store._runner
def runner(name, statements):
    run = real(name, statements[:2])
    def killed(db):
        run(db)
        os.kill(os.getpid(), signal.SIGKILL)
    return killed
store._runner = runner
projects.record_attempt(Repository(store.writer()), "blog-api", stack="fastapi", status="fail",
                        started_at=1.0, finished_at=2.0,
                        stages=[{"stage": "health", "status": "pass"}])
"""


def test_killed_before_the_first_migration_committed(home):
    child = subprocess.run(
        [sys.executable, "-c", KILLED_IN_MIGRATION], capture_output=True, text=True, timeout=120
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    db = home / "progress.db"
    assert db.exists() and _count(home, "SELECT count(*) FROM sqlite_master") == 0
    from learnpath import store

    store.close_all()
    # A reader sees no progress and leaves the file as it is.
    assert _attempts() == 0
    assert _count(home, "SELECT count(*) FROM sqlite_master") == 0
    # The next writer migrates it and writes.
    done = subprocess.run(
        [sys.executable, "-c", WRITER, "1"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    _assert_consistent(home, 1, "after a kill mid-migration")
    assert _attempts() == 1
    store.close_all()


def _assert_consistent(home: Path, attempts: int, label: str) -> None:
    con = sqlite3.connect(home / "progress.db")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", label
        assert con.execute("PRAGMA foreign_key_check").fetchall() == [], label
        found = con.execute("SELECT count(*) FROM exercise_attempts").fetchone()[0]
        assert found == attempts, f"{label}: {found} attempts, expected {attempts}"
        half_written = con.execute(
            "SELECT a.id, a.stage_count, count(s.stage) FROM exercise_attempts a "
            "LEFT JOIN stage_results s ON s.attempt_id = a.id GROUP BY a.id "
            "HAVING count(s.stage) != a.stage_count"
        ).fetchall()
        assert half_written == [], f"{label}: attempts missing stage rows"
        events = con.execute("SELECT count(*) FROM events WHERE kind = 'grade'").fetchone()[0]
        assert events == attempts, f"{label}: an attempt without its event, or vice versa"
    finally:
        con.close()
