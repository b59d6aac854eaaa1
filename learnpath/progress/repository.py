"""The one module of the progress package that speaks SQL.

A :class:`Repository` wraps an explicit :class:`~learnpath.store.Store` that the caller opened
(the CLI, or :mod:`learnpath.grading.session`): ``Repository(store.reader())`` for reads, where
``None`` means "no database yet" and every read is empty, ``Repository(store.writer())`` for
writes. Each write method is one transaction that also appends its event to the log.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from learnpath.errors import StoreError
from learnpath.store import DATA_TABLES, Store

DEFAULT_PACE = 10.0
DEFAULT_STACK = "python"


def day_of(ts: float) -> str:
    """The local date (``YYYY-MM-DD``) of a unix time: events are bucketed by it."""
    return time.strftime("%Y-%m-%d", time.localtime(ts))


def _uuid() -> str:
    import uuid  # only writers need it; keeps the read path's imports small

    return uuid.uuid4().hex


def _json(value: Any) -> str | None:
    return json.dumps(value, sort_keys=True) if value else None


def _event(
    conn: Any,
    kind: str,
    track: str | None,
    item: str | None,
    payload: Mapping[str, Any] | None,
    ts: float,
) -> None:
    conn.execute(
        "INSERT INTO events (uuid, ts, day, kind, track, item, payload) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (_uuid(), ts, day_of(ts), kind, track, item, _json(payload)),
    )


def _ensure_enrolled(conn: Any, track_id: str, ts: float) -> None:
    """The first write for a track enrolls the learner with the defaults."""
    conn.execute(
        "INSERT OR IGNORE INTO enrollments (track, started_on, pace_hours, stack, updated_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (track_id, day_of(ts), DEFAULT_PACE, DEFAULT_STACK, ts),
    )


def _touch_project(
    conn: Any, project: str, exercise: str, stack: str | None, path: str | None, ts: float
) -> None:
    """Create the project's row, or mark it as the most recently used one."""
    conn.execute(
        "INSERT INTO projects (id, exercise, stack, path, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
        "stack = coalesce(excluded.stack, projects.stack), "
        "path = coalesce(?, projects.path), updated_at = max(projects.updated_at, "
        "excluded.updated_at)",
        (project, exercise, stack, path or "", ts, ts, path),
    )


def _attempt_filter(
    exercise: str, project: str | None, legacy: bool, alias: str = ""
) -> tuple[str, tuple[Any, ...]]:
    """SQL condition (and its parameters) for the attempts of one exercise, or of one project."""
    col = f"{alias}." if alias else ""
    if project is None:
        return f"{col}exercise = ?", (exercise,)
    if legacy:
        return (
            f"{col}exercise = ? AND ({col}project = ? OR {col}project IS NULL)",
            (exercise, project),
        )
    return f"{col}exercise = ? AND {col}project = ?", (exercise, project)


class Repository:
    """Reads and writes of the learner's progress on one explicit store.

    ``store=None`` stands for a learner without a database yet: reads return nothing and a
    write raises (open the store with ``create=True`` to write).
    """

    def __init__(self, store: Store | None):
        self.store = store

    @property
    def exists(self) -> bool:
        """Whether a progress database exists (anything can have been recorded)."""
        return self.store is not None

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self.store.rows(sql, params) if self.store is not None else []

    def _value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.store.value(sql, params) if self.store is not None else None

    def _writer(self) -> Store:
        if self.store is None:
            raise StoreError("progress was opened read-only (no database yet): nothing stored")
        return self.store

    # -- enrollments -----------------------------------------------------------------------

    def enrollment_row(self, track_id: str) -> Any | None:
        """The enrollment row of ``track_id`` (``None`` before the first write)."""
        rows = self._rows(
            "SELECT track, started_on, pace_hours, stack, specialization, updated_at "
            "FROM enrollments WHERE track = ?",
            (track_id,),
        )
        return rows[0] if rows else None

    def latest_track(self) -> str | None:
        """The track touched most recently."""
        return self._value("SELECT track FROM enrollments ORDER BY updated_at DESC LIMIT 1")

    def upsert_enrollment(
        self,
        track_id: str,
        *,
        started_on: str,
        pace_hours: float,
        stack: str | None,
        specialization: str | None,
        ts: float,
    ) -> None:
        """Create or update the enrollment (a specialization, once chosen, is kept)."""
        with self._writer().write() as conn:
            conn.execute(
                "INSERT INTO enrollments (track, started_on, pace_hours, stack, specialization, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (track) DO UPDATE SET "
                "started_on = excluded.started_on, pace_hours = excluded.pace_hours, "
                "stack = excluded.stack, specialization = coalesce(excluded.specialization, "
                "enrollments.specialization), updated_at = excluded.updated_at",
                (track_id, started_on, float(pace_hours), stack, specialization, ts),
            )
            payload = {"pace_hours": pace_hours, "stack": stack, "started_on": started_on}
            _event(conn, "enroll", track_id, None, payload, ts)

    def set_specialization(self, track_id: str, spec_id: str, ts: float) -> None:
        """Record the chosen specialization (enrolling with the defaults first if needed)."""
        with self._writer().write() as conn:
            _ensure_enrolled(conn, track_id, ts)
            conn.execute(
                "UPDATE enrollments SET specialization = ?, updated_at = ? WHERE track = ?",
                (spec_id, ts, track_id),
            )
            _event(conn, "specialize", track_id, spec_id, None, ts)

    # -- statuses --------------------------------------------------------------------------

    def statuses(self, track_id: str) -> tuple[dict[str, str], dict[str, str]]:
        """(week id -> status, topic id -> status) as recorded in ``track_id``."""
        weeks: dict[str, str] = {}
        topics: dict[str, str] = {}
        for kind, item, status in self._rows(
            "SELECT kind, item, status FROM statuses WHERE track = ?", (track_id,)
        ):
            (weeks if kind == "week" else topics)[item] = status
        return weeks, topics

    def put_status(
        self,
        track_id: str,
        kind: str,
        item_id: str,
        status: str,
        ts: float,
        *,
        choose: str | None = None,
    ) -> None:
        """Store one status and its event; ``choose`` also records a specialization."""
        with self._writer().write() as conn:
            _ensure_enrolled(conn, track_id, ts)
            conn.execute(
                "INSERT INTO statuses (track, kind, item, status, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (track, kind, item) DO UPDATE SET "
                "status = excluded.status, updated_at = excluded.updated_at",
                (track_id, kind, item_id, status, ts),
            )
            _event(conn, "mark", track_id, item_id, {"kind": kind, "status": status}, ts)
            if choose:
                conn.execute(
                    "UPDATE enrollments SET specialization = ? WHERE track = ?",
                    (choose, track_id),
                )
                _event(conn, "specialize", track_id, choose, None, ts)

    # -- knowledge checks ------------------------------------------------------------------

    def add_quiz_attempt(
        self,
        track_id: str,
        week_id: str,
        *,
        score: int,
        total: int,
        answers: Mapping[str, list[int]],
        seed: int | None,
        ts: float,
    ) -> int:
        """Store one knowledge-check attempt (canonical answers and the order's seed)."""
        with self._writer().write() as conn:
            _ensure_enrolled(conn, track_id, ts)
            cur = conn.execute(
                "INSERT INTO quiz_attempts (uuid, track, week, taken_at, score, total, answers, "
                "seed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    _uuid(),
                    track_id,
                    week_id,
                    ts,
                    score,
                    total,
                    json.dumps({q: sorted(a) for q, a in answers.items()}, sort_keys=True),
                    seed,
                ),
            )
            _event(conn, "quiz", track_id, week_id, {"score": score, "total": total}, ts)
        assert cur.lastrowid is not None
        return cur.lastrowid

    def quiz_rows(self, track_id: str) -> list[Any]:
        """Per week: (week, attempts, best ratio, last score, last total)."""
        return self._rows(
            "SELECT week, count(*), max(1.0 * score / total), "
            "(SELECT score FROM quiz_attempts l WHERE l.track = q.track AND l.week = q.week "
            " ORDER BY taken_at DESC, id DESC LIMIT 1), "
            "(SELECT total FROM quiz_attempts l WHERE l.track = q.track AND l.week = q.week "
            " ORDER BY taken_at DESC, id DESC LIMIT 1) "
            "FROM quiz_attempts q WHERE track = ? GROUP BY week",
            (track_id,),
        )

    def last_quiz_attempt(self, track_id: str, week_id: str) -> dict | None:
        """The latest attempt of a week's check: ``taken_at``, scores, ``answers``, ``seed``."""
        rows = self._rows(
            "SELECT id, taken_at, score, total, answers, seed FROM quiz_attempts "
            "WHERE track = ? AND week = ? ORDER BY taken_at DESC, id DESC LIMIT 1",
            (track_id, week_id),
        )
        if not rows:
            return None
        r = rows[0]
        return {**dict(r), "answers": json.loads(r["answers"])}

    # -- projects and exercise attempts ----------------------------------------------------

    def add_attempt(
        self,
        exercise: str,
        *,
        stack: str | None,
        status: str,
        started_at: float,
        finished_at: float,
        stage_rows: list[tuple[str, int, str, int, int, float, str]],
        report: dict | None,
        project: str | None,
        project_path: str | None,
        adopt_legacy: bool,
    ) -> int:
        """One grading run with all its stage rows, in one transaction; its id."""
        with self._writer().write() as conn:
            if project is not None:
                _touch_project(conn, project, exercise, stack, project_path, finished_at)
                if adopt_legacy:
                    conn.execute(
                        "UPDATE exercise_attempts SET project = ? WHERE exercise = ? "
                        "AND project IS NULL",
                        (project, exercise),
                    )
            cur = conn.execute(
                "INSERT INTO exercise_attempts (uuid, exercise, stack, status, started_at, "
                "finished_at, stage_count, report, project) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    _uuid(),
                    exercise,
                    stack,
                    status,
                    started_at,
                    finished_at,
                    len(stage_rows),
                    json.dumps(report, sort_keys=True) if report is not None else None,
                    project,
                ),
            )
            attempt_id = cur.lastrowid
            assert attempt_id is not None
            conn.executemany(
                "INSERT INTO stage_results (attempt_id, stage, seq, status, passed, failed, "
                "duration, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(attempt_id, *r) for r in stage_rows],
            )
            passed = [r[0] for r in stage_rows if r[2] == "pass"]
            payload: dict[str, Any] = {"status": status, "stack": stack, "passed": passed}
            if project is not None:
                payload["project"] = project
            _event(conn, "grade", None, exercise, payload, finished_at)
        return attempt_id

    def register_project(
        self, project: str, exercise: str, *, stack: str | None, path: str, ts: float
    ) -> None:
        """Record a new project (it becomes the most recently used one) and its event."""
        with self._writer().write() as conn:
            _touch_project(conn, project, exercise, stack, path, ts)
            _event(conn, "start", None, exercise, {"project": project, "stack": stack}, ts)

    def attempt_summary(
        self, exercise: str, project: str | None, legacy: bool
    ) -> tuple[int, str | None, list[tuple[str, int, bool]]]:
        """(attempts, last status, [(stage, first seq, passed once)]) of an exercise/project."""
        if self.store is None:
            return 0, None, []
        where, params = _attempt_filter(exercise, project, legacy)
        a_where, _ = _attempt_filter(exercise, project, legacy, "a")
        n, last_status = self.store.rows(
            f"SELECT count(*), (SELECT status FROM exercise_attempts WHERE {where} "
            f"ORDER BY finished_at DESC, id DESC LIMIT 1) FROM exercise_attempts WHERE {where}",
            params + params,
        )[0]
        seen = self.store.rows(
            "SELECT s.stage, min(s.seq), max(s.status = 'pass') FROM stage_results s "
            f"JOIN exercise_attempts a ON a.id = s.attempt_id WHERE {a_where} "
            "GROUP BY s.stage ORDER BY min(s.seq)",
            params,
        )
        return n, last_status, [(s, q, bool(ok)) for s, q, ok in seen]

    def project_rows(self, exercise: str | None = None, limit: int | None = None) -> list[Any]:
        """Projects, most recently used first (of one exercise, at most ``limit``)."""
        where = "WHERE exercise = ?" if exercise else ""
        cap = f" LIMIT {int(limit)}" if limit else ""
        return self._rows(
            f"SELECT id, exercise, stack, path, created_at, updated_at FROM projects {where} "
            f"ORDER BY updated_at DESC, created_at DESC{cap}",
            (exercise,) if exercise else (),
        )

    def project_attempts(self, project: str) -> list[Any]:
        """(id, status, finished_at) of a project's attempts, oldest first."""
        return self._rows(
            "SELECT id, status, finished_at FROM exercise_attempts WHERE project = ? "
            "ORDER BY finished_at, id",
            (project,),
        )

    def project_stage_results(self, project: str) -> list[Any]:
        """(stage, status) of every stage result of a project, in the order they happened."""
        return self._rows(
            "SELECT s.stage, s.status FROM stage_results s JOIN exercise_attempts a "
            "ON a.id = s.attempt_id WHERE a.project = ? ORDER BY a.finished_at, a.id, s.seq",
            (project,),
        )

    def last_attempts(self) -> list[Any]:
        """The last attempt of every exercise that has one."""
        return self._rows(
            "SELECT id, exercise, stack, status, finished_at FROM exercise_attempts a "
            "WHERE id = (SELECT id FROM exercise_attempts b WHERE b.exercise = a.exercise "
            "ORDER BY finished_at DESC, id DESC LIMIT 1) ORDER BY exercise"
        )

    def stage_results(self, attempt_id: int) -> list[dict]:
        """The stage rows of one attempt, in the order it reported them."""
        return [
            dict(r)
            for r in self._rows(
                "SELECT stage, status, passed, failed, duration, message FROM stage_results "
                "WHERE attempt_id = ? ORDER BY seq",
                (attempt_id,),
            )
        ]

    # -- history ---------------------------------------------------------------------------

    def event_days(self, until: str) -> Iterator[str]:
        """Distinct days with events up to ``until``, newest first (stop early: cheap)."""
        if self.store is None:
            return iter(())
        return (
            day
            for (day,) in self.store.iterate(
                "SELECT DISTINCT day FROM events WHERE day <= ? ORDER BY day DESC", (until,)
            )
        )

    def events_per_day(self, first: str, last: str) -> list[tuple[str, int]]:
        """(day, events) for the days between ``first`` and ``last``."""
        return [
            (day, n)
            for day, n in self._rows(
                "SELECT day, count(*) FROM events WHERE day >= ? AND day <= ? GROUP BY day",
                (first, last),
            )
        ]

    def event_count(self) -> int:
        """Every recorded event."""
        return int(self._value("SELECT count(*) FROM events") or 0)

    # -- export / import / reset -----------------------------------------------------------

    def dump(self) -> dict[str, list[dict]]:
        """Every row of learner data, as plain JSON-able dicts (the export's lists)."""
        return _dump(self._rows)

    def merge(self, rows: Mapping[str, list[Mapping[str, Any]]]) -> dict[str, int]:
        """Merge exported rows: newer ``updated_at`` wins, attempts and events deduplicated
        by uuid, all in one transaction. How many rows were added or updated per kind."""
        counts = dict.fromkeys(rows, 0)
        with self._writer().write() as conn:
            _merge(conn, rows, counts)
        return counts

    def dump_and_delete(self, keep: Callable[[dict[str, list[dict]]], Path]) -> Path:
        """Read every row, hand it to ``keep`` (the backup), then delete it: one transaction,
        so nothing written between the backup and the delete can be lost."""
        with self._writer().write() as conn:
            target = keep(_dump(lambda sql, params=(): conn.execute(sql, params).fetchall()))
            for table in DATA_TABLES:  # children before parents (foreign keys)
                conn.execute(f"DELETE FROM {table}")
        return target


def _dump(rows: Callable[..., list[Any]]) -> dict[str, list[dict]]:
    stages: dict[int, list[dict]] = {}
    for r in rows("SELECT * FROM stage_results ORDER BY attempt_id, seq"):
        stages.setdefault(r["attempt_id"], []).append(
            {k: v for k, v in dict(r).items() if k not in ("attempt_id", "seq")}
        )
    return {
        "enrollments": [dict(r) for r in rows("SELECT * FROM enrollments ORDER BY track")],
        "statuses": [dict(r) for r in rows("SELECT * FROM statuses ORDER BY track, kind, item")],
        "quiz_attempts": [
            {**{k: v for k, v in dict(r).items() if k != "id"}, "answers": json.loads(r["answers"])}
            for r in rows("SELECT * FROM quiz_attempts ORDER BY taken_at, id")
        ],
        "exercise_attempts": [
            {
                **{k: v for k, v in dict(r).items() if k not in ("id", "stage_count", "report")},
                "report": json.loads(r["report"]) if r["report"] else None,
                "stages": stages.get(r["id"], []),
            }
            for r in rows("SELECT * FROM exercise_attempts ORDER BY finished_at, id")
        ],
        "projects": [dict(r) for r in rows("SELECT * FROM projects ORDER BY created_at, id")],
        "events": [
            {
                **{k: v for k, v in dict(r).items() if k not in ("id", "payload")},
                "payload": json.loads(r["payload"]) if r["payload"] else None,
            }
            for r in rows("SELECT * FROM events ORDER BY ts, id")
        ],
    }


def _merge(conn: Any, rows: Mapping[str, Iterable[Mapping[str, Any]]], counts: dict) -> None:
    def changed(sql: str, params: Iterable[Any]) -> int:
        return int(conn.execute(sql, tuple(params)).rowcount)

    for e in rows.get("enrollments", ()):
        counts["enrollments"] += changed(
            "INSERT INTO enrollments (track, started_on, pace_hours, stack, "
            "specialization, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (track) "
            "DO UPDATE SET started_on = excluded.started_on, pace_hours = "
            "excluded.pace_hours, stack = excluded.stack, specialization = "
            "excluded.specialization, updated_at = excluded.updated_at "
            "WHERE excluded.updated_at > enrollments.updated_at",
            (
                e["track"],
                e["started_on"],
                e["pace_hours"],
                e.get("stack"),
                e.get("specialization"),
                e["updated_at"],
            ),
        )
    for s in rows.get("statuses", ()):
        counts["statuses"] += changed(
            "INSERT INTO statuses (track, kind, item, status, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (track, kind, item) DO UPDATE SET "
            "status = excluded.status, updated_at = excluded.updated_at "
            "WHERE excluded.updated_at > statuses.updated_at",
            (s["track"], s["kind"], s["item"], s["status"], s["updated_at"]),
        )
    for q in rows.get("quiz_attempts", ()):
        counts["quiz_attempts"] += changed(
            "INSERT OR IGNORE INTO quiz_attempts (uuid, track, week, taken_at, score, "
            "total, answers, seed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                q["uuid"],
                q["track"],
                q["week"],
                q["taken_at"],
                q["score"],
                q["total"],
                json.dumps(q["answers"], sort_keys=True),
                q.get("seed"),
            ),
        )
    for a in rows.get("exercise_attempts", ()):
        cur = conn.execute(
            "INSERT OR IGNORE INTO exercise_attempts (uuid, exercise, stack, status, "
            "started_at, finished_at, stage_count, report, project) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                a["uuid"],
                a["exercise"],
                a.get("stack"),
                a["status"],
                a["started_at"],
                a["finished_at"],
                len(a["stages"]),
                json.dumps(a["report"], sort_keys=True) if a.get("report") else None,
                a.get("project"),
            ),
        )
        if cur.rowcount:
            counts["exercise_attempts"] += 1
            conn.executemany(
                "INSERT INTO stage_results (attempt_id, stage, seq, status, passed, "
                "failed, duration, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        cur.lastrowid,
                        st["stage"],
                        i,
                        st["status"],
                        st.get("passed", 0),
                        st.get("failed", 0),
                        st.get("duration", 0.0),
                        st.get("message", ""),
                    )
                    for i, st in enumerate(a["stages"])
                ],
            )
    for p in rows.get("projects", ()):
        counts["projects"] += changed(
            "INSERT INTO projects (id, exercise, stack, path, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
            "stack = excluded.stack, path = excluded.path, "
            "updated_at = excluded.updated_at "
            "WHERE excluded.updated_at > projects.updated_at",
            (p["id"], p["exercise"], p.get("stack"), p["path"], p["created_at"], p["updated_at"]),
        )
    before = conn.total_changes
    conn.executemany(
        "INSERT OR IGNORE INTO events (uuid, ts, day, kind, track, item, payload) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                ev["uuid"],
                ev["ts"],
                ev.get("day") or day_of(ev["ts"]),
                ev["kind"],
                ev.get("track"),
                ev.get("item"),
                _json(ev.get("payload")),
            )
            for ev in rows.get("events", ())
        ],
    )
    counts["events"] = conn.total_changes - before
