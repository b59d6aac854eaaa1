"""Generate a large progress database for the benchmarks: 100,000 events over 5 years.

    LEARNPATH_HOME=/tmp/x python bench/gen_progress.py [--events 100000] [--years 5] [--seed 1]

Writes through the real schema (learnpath.store) and the built-in ``backend`` track's ids, so
the dashboard and ``learnpath progress`` read realistic data: 30 weeks finished with their
topics, knowledge-check attempts, graded exercise attempts with stage rows, and an event log
whose last days are active (a streak).
"""

from __future__ import annotations

import argparse
import json
import random
import time
import uuid

from learnpath import store
from learnpath.content import curriculum
from learnpath.progress.repository import day_of as _day


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--years", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--track", default="backend")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    track = curriculum.load_track(args.track)
    now = time.time()
    start = now - args.years * 365.25 * 86400
    s = store.open_store()
    assert s is not None
    weeks = sorted(track.weeks, key=lambda w: w.week)
    with s.write() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO enrollments VALUES (?, ?, 10, 'python', NULL, ?)",
            (track.id, _day(start), start),
        )
        for w in weeks[:30]:
            conn.execute(
                "INSERT OR REPLACE INTO statuses VALUES (?, 'week', ?, 'done', ?)",
                (track.id, w.id, now - rng.random() * 1e7),
            )
            for t in w.topics:
                conn.execute(
                    "INSERT OR REPLACE INTO statuses VALUES (?, 'topic', ?, 'done', ?)",
                    (track.id, t.id, now - rng.random() * 1e7),
                )
        for i in range(600):
            w = weeks[i % 30]
            total = len(w.quiz)
            conn.execute(
                "INSERT INTO quiz_attempts (uuid, track, week, taken_at, score, total, answers) "
                "VALUES (?, ?, ?, ?, ?, ?, '{}')",
                (
                    uuid.uuid4().hex,
                    track.id,
                    w.id,
                    rng.uniform(start, now),
                    rng.randint(0, total),
                    total,
                ),
            )
        for i in range(400):
            ts = rng.uniform(start, now)
            cur = conn.execute(
                "INSERT INTO exercise_attempts (uuid, exercise, stack, status, started_at, "
                "finished_at, stage_count, report) VALUES (?, ?, 'fastapi', ?, ?, ?, 8, NULL)",
                (
                    uuid.uuid4().hex,
                    ["blog-api", "ecommerce-api", "social-api"][i % 3],
                    rng.choice(["pass", "fail"]),
                    ts - 30,
                    ts,
                ),
            )
            conn.executemany(
                "INSERT INTO stage_results VALUES (?, ?, ?, ?, 3, ?, 1.5, '')",
                [
                    (cur.lastrowid, f"stage-{k}", k, rng.choice(["pass", "fail"]), k % 2)
                    for k in range(8)
                ],
            )
        rows = []
        span = now - start
        for i in range(args.events):
            # The last 3 % of events fall in the last 10 days, so there is a live streak.
            ts = now - rng.random() * 10 * 86400 if i % 33 == 0 else start + rng.random() * span
            kind = rng.choice(["mark", "mark", "quiz", "grade"])
            item = rng.choice(weeks).id
            rows.append(
                (
                    uuid.uuid4().hex,
                    ts,
                    _day(ts),
                    kind,
                    track.id,
                    item,
                    json.dumps({"status": "done"}),
                )
            )
        conn.executemany(
            "INSERT INTO events (uuid, ts, day, kind, track, item, payload) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    n = s.value("SELECT count(*) FROM events")
    days = s.value("SELECT count(DISTINCT day) FROM events")
    print(f"{s.path}: {n} events on {days} days since {_day(start)}")


if __name__ == "__main__":
    main()
