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
from learnpath import progress
n = int(sys.argv[1])
stages = [{"stage": f"stage-{i}", "status": "pass" if i % 3 else "fail", "passed": i,
           "failed": i % 2, "duration": 0.5, "message": "m" * 200} for i in range(40)]
print("ready", flush=True)
i = 0
while n < 0 or i < n:
    progress.record_attempt("blog-api", stack="fastapi", status="fail", started_at=time.time(),
                            finished_at=time.time(), stages=stages, report={"i": i})
    i += 1
"""

MARKER = """
import sys
from learnpath import curriculum, progress
t = curriculum.load_track("mini")
items = ["week:1", "week:2", "m-http-verbs", "m-status"]
for i in range(int(sys.argv[1])):
    progress.mark(t, items[i % len(items)], ["done", "in-progress", "todo"][i % 3])
"""


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
    con = sqlite3.connect(home / "progress.db")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"seed {seed}"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == [], f"seed {seed}"
        attempts = con.execute("SELECT count(*) FROM exercise_attempts").fetchone()[0]
        assert attempts > 0, f"seed {seed}: no attempt was ever written"
        half_written = con.execute(
            "SELECT a.id, a.stage_count, count(s.stage) FROM exercise_attempts a "
            "LEFT JOIN stage_results s ON s.attempt_id = a.id GROUP BY a.id "
            "HAVING count(s.stage) != a.stage_count"
        ).fetchall()
        assert half_written == [], f"seed {seed}: attempts missing stage rows"
        events = con.execute("SELECT count(*) FROM events WHERE kind = 'grade'").fetchone()[0]
        assert events == attempts, f"seed {seed}: an attempt without its event, or vice versa"
    finally:
        con.close()
    # And learnpath itself still opens it and reads it.
    from learnpath import progress, store

    store.close_all()
    assert progress.exercise_state("blog-api")["attempts"] == attempts
    store.close_all()
