"""The learner's progress: what the CLI, the roadmap views and the grading engine read and write.

Everything is keyed by stable ids (week module ids, topic ids, exercise and stage ids). Every
write appends an event to the log, from which history, activity and streaks are computed. Reads
never create the database: with no database yet, the learner simply has no progress.

The learner's grading loop (:mod:`learnpath.grading.session`) calls :func:`record_attempt`,
:func:`register_project` and :func:`exercise_state`, per project; the rest serves
``learning-path``, ``learnpath progress|exercises|mark|quiz|export|import|reset``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from learnpath.atomic import write_atomic
from learnpath.errors import StoreError, UsageError
from learnpath.models import Question, Track, Week
from learnpath.status import EMPTY, FINISHED, STATUSES, Overlay
from learnpath.store import DATA_TABLES, Store, db_path, open_store

DEFAULT_TRACK = "backend"
DEFAULT_PACE = 10.0
STACKS = ("python", "node", "java")
QUIZ_PASS = 0.7  # share of correct answers that counts as passing a knowledge check
EXPORT_FORMAT = "learnpath-progress"
EXPORT_VERSION = 1
ATTEMPT_STATUSES = ("pass", "fail", "error")
STAGE_STATUSES = ("pass", "fail", "skip", "skipped", "error")


def _now() -> float:
    return time.time()


def _day(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(ts))


def _today() -> dt.date:
    return dt.date.today()


def _reader() -> Store | None:
    return open_store(create=False)


def _writer() -> Store:
    store = open_store(create=True)
    assert store is not None  # create=True always gives a store or raises
    return store


def _uuid() -> str:
    import uuid  # only writers need it; keeps the read path's imports small

    return uuid.uuid4().hex


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
        (
            _uuid(),
            ts,
            _day(ts),
            kind,
            track,
            item,
            json.dumps(payload, sort_keys=True) if payload else None,
        ),
    )


# -- enrollment --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrollment:
    track: str
    started_on: str
    pace_hours: float
    stack: str | None
    specialization: str | None
    updated_at: float


def enrollment(track_id: str) -> Enrollment | None:
    """The learner's enrollment in ``track_id``, or ``None`` before the first run."""
    store = _reader()
    if store is None:
        return None
    rows = store.rows(
        "SELECT track, started_on, pace_hours, stack, specialization, updated_at "
        "FROM enrollments WHERE track = ?",
        (track_id,),
    )
    return Enrollment(*rows[0]) if rows else None


def default_enrollment(track_id: str) -> Enrollment:
    """What a learner who skips onboarding gets: 10 h/week, Python, starting today."""
    return Enrollment(track_id, _today().isoformat(), DEFAULT_PACE, "python", None, 0.0)


def default_track() -> str:
    """The learner's track: the one touched most recently, ``backend`` before anything."""
    store = _reader()
    if store is None:
        return DEFAULT_TRACK
    found = store.value("SELECT track FROM enrollments ORDER BY updated_at DESC LIMIT 1")
    return found or DEFAULT_TRACK


def enroll(
    track_id: str,
    *,
    pace_hours: float = DEFAULT_PACE,
    stack: str | None = "python",
    started_on: str | None = None,
    specialization: str | None = None,
) -> Enrollment:
    """Create or update the enrollment (onboarding answers)."""
    if not 1 <= pace_hours <= 80:
        raise UsageError(f"pace must be between 1 and 80 hours per week, got {pace_hours:g}")
    if stack is not None and stack not in STACKS:
        raise UsageError(f"unknown stack '{stack}'; choose one of {', '.join(STACKS)}")
    start = started_on or _today().isoformat()
    try:
        dt.date.fromisoformat(start)
    except ValueError:
        raise UsageError(f"start date must look like 2025-01-31, got '{start}'") from None
    ts = _now()
    store = _writer()
    with store.write() as conn:
        conn.execute(
            "INSERT INTO enrollments (track, started_on, pace_hours, stack, specialization, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (track) DO UPDATE SET "
            "started_on = excluded.started_on, pace_hours = excluded.pace_hours, "
            "stack = excluded.stack, specialization = coalesce(excluded.specialization, "
            "enrollments.specialization), updated_at = excluded.updated_at",
            (track_id, start, float(pace_hours), stack, specialization, ts),
        )
        payload = {"pace_hours": pace_hours, "stack": stack, "started_on": start}
        _event(conn, "enroll", track_id, None, payload, ts)
    found = enrollment(track_id)
    assert found is not None
    return found


def _ensure_enrolled(conn: Any, track_id: str, ts: float) -> None:
    """The first write for a track enrolls the learner with the defaults."""
    conn.execute(
        "INSERT OR IGNORE INTO enrollments (track, started_on, pace_hours, stack, updated_at) "
        "VALUES (?, ?, ?, 'python', ?)",
        (track_id, _day(ts), DEFAULT_PACE, ts),
    )


def chosen_specialization(track: Track) -> str | None:
    """The specialization the learner chose in ``track``, if any (and if it still exists)."""
    found = enrollment(track.id)
    if found is None or found.specialization is None:
        return None
    return found.specialization if track.specialization(found.specialization) else None


def choose_specialization(track: Track, spec_id: str) -> None:
    """Record the learner's specialization (weeks of the specialization phase)."""
    if track.specialization(spec_id) is None:
        names = ", ".join(s.id for s in track.specializations)
        raise UsageError(f"unknown specialization '{spec_id}'; specializations: {names}")
    ts = _now()
    store = _writer()
    with store.write() as conn:
        _ensure_enrolled(conn, track.id, ts)
        conn.execute(
            "UPDATE enrollments SET specialization = ?, updated_at = ? WHERE track = ?",
            (spec_id, ts, track.id),
        )
        _event(conn, "specialize", track.id, spec_id, None, ts)


# -- statuses ----------------------------------------------------------------------------------


def _statuses(store: Store, track_id: str) -> tuple[dict[str, str], dict[str, str]]:
    weeks: dict[str, str] = {}
    topics: dict[str, str] = {}
    for kind, item, status in store.rows(
        "SELECT kind, item, status FROM statuses WHERE track = ?", (track_id,)
    ):
        (weeks if kind == "week" else topics)[item] = status
    return weeks, topics


def overlay_for(track: Track) -> Overlay:
    """The learner's statuses in ``track`` (:data:`EMPTY` when nothing is recorded yet)."""
    store = _reader()
    if store is None:
        return EMPTY
    weeks, topics = _statuses(store, track.id)
    return Overlay(weeks=weeks, topics=topics) if weeks or topics else EMPTY


def orphans(track: Track, overlay: Overlay | None = None) -> dict[str, dict[str, int]]:
    """Recorded statuses on ids this version of the track no longer has, counted by status.

    They are kept (a later version may bring the id back, an export carries them) but never
    counted in percentages.
    """
    overlay = overlay if overlay is not None else overlay_for(track)
    live_weeks = {w.id for w in track.all_weeks()}
    live_topics = set(track.topics())
    out: dict[str, dict[str, int]] = {"weeks": {}, "topics": {}}
    for kind, recorded, live in (
        ("weeks", overlay.weeks, live_weeks),
        ("topics", overlay.topics, live_topics),
    ):
        for item, status in recorded.items():
            if item not in live and status != "todo":
                out[kind][status] = out[kind].get(status, 0) + 1
    return out


def orphan_messages(found: Mapping[str, Mapping[str, int]]) -> list[str]:
    """``["2 finished topics no longer exist in this version of the track"]``."""
    out = []
    for kind in ("weeks", "topics"):
        counts = found.get(kind, {})
        finished = sum(n for s, n in counts.items() if s in FINISHED)
        started = counts.get("in-progress", 0)
        noun = kind[:-1]
        for n, what in ((finished, "finished"), (started, "started")):
            if n:
                out.append(
                    f"{n} {what} {noun}{'s' * (n != 1)} no longer exist{'s' * (n == 1)} in "
                    "this version of the track (kept in your history, not counted)"
                )
    return out


@dataclass(frozen=True)
class Marked:
    kind: str  # week | topic
    item: str  # its id
    label: str  # "week 3: Git, GitHub..." for messages
    status: str
    specialization_chosen: str | None = None


def resolve_item(
    track: Track, item: str, specialization: str | None = None
) -> tuple[str, Week, str | None]:
    """``week:N`` or a topic id -> (kind, week, topic id or None), with clear errors."""
    if item.startswith("week:"):
        raw = item.split(":", 1)[1]
        if "@" in raw:  # week:40@database-admin, as Week.key spells it
            raw, specialization = raw.split("@", 1)
        try:
            number = int(raw)
        except ValueError:
            raise UsageError(f"'{item}' is not a week; write week:N, e.g. week:3") from None
        return "week", find_week(track, number, specialization), None
    topics = track.topics()
    if item in topics:
        return "topic", topics[item][0], item
    import difflib

    close = difflib.get_close_matches(item, list(topics), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; use week:N or a topic id"
    raise UsageError(f"unknown item '{item}' in track '{track.id}'{hint}")


def find_week(track: Track, number: int, specialization: str | None = None) -> Week:
    """Week ``number`` of the learner's path: a specialization week needs a branch."""
    # A misspelt --specialization is the error to report, whatever the week.
    if specialization is not None and track.specialization(specialization) is None:
        names = ", ".join(s.id for s in track.specializations)
        raise UsageError(f"unknown specialization '{specialization}'; specializations: {names}")
    last = max(p.last for p in track.phases)
    if not 1 <= number <= last:
        raise UsageError(f"week {number} does not exist; track '{track.id}' has weeks 1-{last}")
    spec_phase = track.phase(track.specializations_phase)
    if spec_phase is not None and spec_phase.holds(number):
        spec = specialization or chosen_specialization(track)
        if not spec:
            names = ", ".join(s.id for s in track.specializations)
            raise UsageError(
                f"week {number} belongs to a specialization; add --specialization ({names}) "
                "or choose one in learning-path"
            )
        if track.specialization(spec) is None:
            names = ", ".join(s.id for s in track.specializations)
            raise UsageError(f"unknown specialization '{spec}'; specializations: {names}")
        found = track.find_week(number, spec)
    else:
        found = track.find_week(number)
    if found is None:
        raise UsageError(f"week {number} is not in this track")
    return found


def mark(track: Track, item: str, status: str, *, specialization: str | None = None) -> Marked:
    """Set the status of ``week:N`` or a topic id; appends a ``mark`` event."""
    if status not in STATUSES:
        raise UsageError(f"unknown status '{status}'; use one of {', '.join(STATUSES)}")
    kind, week, topic_id = resolve_item(track, item, specialization)
    return set_status(track, kind, topic_id or week.id, status, week=week)


def set_status(track: Track, kind: str, item_id: str, status: str, *, week: Week) -> Marked:
    """Store one status (by stable id) and its event, in one transaction."""
    ts = _now()
    chosen = None
    if week.specialization and chosen_specialization(track) is None:
        chosen = week.specialization  # working on a branch week is choosing that branch
    store = _writer()
    with store.write() as conn:
        _ensure_enrolled(conn, track.id, ts)
        conn.execute(
            "INSERT INTO statuses (track, kind, item, status, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (track, kind, item) DO UPDATE SET status = excluded.status, "
            "updated_at = excluded.updated_at",
            (track.id, kind, item_id, status, ts),
        )
        _event(conn, "mark", track.id, item_id, {"kind": kind, "status": status}, ts)
        if chosen:
            conn.execute(
                "UPDATE enrollments SET specialization = ? WHERE track = ?", (chosen, track.id)
            )
            _event(conn, "specialize", track.id, chosen, None, ts)
    if kind == "week":
        label = f"week {week.week}: {week.title}"
    else:
        title = next((t.title for t in week.topics if t.id == item_id), item_id)
        label = f"topic {title} ({item_id}, week {week.week})"
    return Marked(kind, item_id, label, status, chosen)


# -- knowledge checks --------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizResult:
    score: int
    total: int
    questions: list[dict]  # [{id, question, chosen, correct, ok, explanation}]
    attempt_id: int | None = None

    @property
    def passed(self) -> bool:
        return self.total > 0 and self.score / self.total >= QUIZ_PASS


def parse_answers(text: str, questions: Iterable[Question]) -> dict[str, list[int]]:
    """``"2;1,3;1"`` (1-based choices, ``;`` between questions) -> {question id: [0-based]}."""
    qs = list(questions)
    parts = [p.strip() for p in text.replace("\n", ";").split(";")]
    if parts and parts[-1] == "":
        parts.pop()
    if len(parts) != len(qs):
        raise UsageError(
            f"expected answers to {len(qs)} questions separated by ';' (e.g. \"2;1,3\"), "
            f"got {len(parts)}"
        )
    return {q.id: parse_choice(p, q, i) for i, (q, p) in enumerate(zip(qs, parts, strict=True), 1)}


def parse_choice(text: str, question: Question, number: int = 1) -> list[int]:
    """One answer: ``"2"`` or ``"1,3"`` (1-based) -> sorted 0-based indices."""
    try:
        picked = sorted({int(x) - 1 for x in text.replace(" ", ",").split(",") if x.strip()})
    except ValueError:
        raise UsageError(f"question {number}: '{text}' is not a choice number") from None
    if not picked:
        raise UsageError(f"question {number}: no choice given")
    bad = [p + 1 for p in picked if not 0 <= p < len(question.choices)]
    if bad:
        raise UsageError(
            f"question {number}: choice {bad[0]} does not exist (1-{len(question.choices)})"
        )
    if question.kind == "single" and len(picked) > 1:
        raise UsageError(f"question {number} takes one answer, got {len(picked)}")
    return picked


def score_quiz(week: Week, answers: Mapping[str, list[int]]) -> QuizResult:
    """Score answers: a question counts when exactly the correct choices were picked."""
    rows = []
    for q in week.quiz:
        chosen = sorted(answers.get(q.id, []))
        ok = frozenset(chosen) == q.answer
        rows.append(
            {
                "id": q.id,
                "question": q.question,
                "chosen": chosen,
                "correct": sorted(q.answer),
                "ok": ok,
                "explanation": q.explanation,
            }
        )
    return QuizResult(sum(1 for r in rows if r["ok"]), len(rows), rows)


def record_quiz(track: Track, week: Week, answers: Mapping[str, list[int]]) -> QuizResult:
    """Score and store one knowledge-check attempt (answers, score, time) and its event."""
    result = score_quiz(week, answers)
    ts = _now()
    store = _writer()
    with store.write() as conn:
        _ensure_enrolled(conn, track.id, ts)
        cur = conn.execute(
            "INSERT INTO quiz_attempts (uuid, track, week, taken_at, score, total, answers) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                _uuid(),
                track.id,
                week.id,
                ts,
                result.score,
                result.total,
                json.dumps({q: sorted(a) for q, a in answers.items()}, sort_keys=True),
            ),
        )
        payload = {"score": result.score, "total": result.total}
        _event(conn, "quiz", track.id, week.id, payload, ts)
    return QuizResult(result.score, result.total, result.questions, cur.lastrowid)


def quiz_stats(track_id: str, store: Store | None = None) -> dict[str, dict]:
    """Per week id: attempts, best and last score (as "score/total" and a ratio)."""
    store = store if store is not None else _reader()
    if store is None:
        return {}
    out: dict[str, dict] = {}
    for week, n, best, last_score, last_total in store.rows(
        "SELECT week, count(*), max(1.0 * score / total), "
        "(SELECT score FROM quiz_attempts l WHERE l.track = q.track AND l.week = q.week "
        " ORDER BY taken_at DESC LIMIT 1), "
        "(SELECT total FROM quiz_attempts l WHERE l.track = q.track AND l.week = q.week "
        " ORDER BY taken_at DESC LIMIT 1) "
        "FROM quiz_attempts q WHERE track = ? GROUP BY week",
        (track_id,),
    ):
        out[week] = {
            "attempts": n,
            "best": round(100 * (best or 0), 1),
            "last": f"{last_score}/{last_total}",
            "passed": (best or 0) >= QUIZ_PASS,
        }
    return out


# -- exercise attempts (the grading engine writes these) ---------------------------------------


def record_attempt(
    exercise: str,
    *,
    stack: str | None,
    status: str,
    started_at: float,
    finished_at: float,
    stages: list[dict],
    report: dict | None = None,
    project: str | None = None,
    project_path: str | None = None,
    adopt_legacy: bool = False,
) -> int:
    """Store one grading run with its per-stage results, in one transaction; its id.

    ``stages``: ``[{"stage": id, "status": "pass"|"fail"|"skipped", "passed": n, "failed": n,
    "duration": s, "message": str}]``, keyed by stage id (never position). ``project`` is the
    project's identity (see :func:`register_project`, ``project_path`` its folder);
    ``adopt_legacy`` gives it the exercise's attempts recorded before projects had identities.
    """
    if status not in ATTEMPT_STATUSES:
        raise UsageError(f"attempt status must be one of {', '.join(ATTEMPT_STATUSES)}: {status!r}")
    rows = []
    seen: set[str] = set()
    for seq, st in enumerate(stages):
        sid = st.get("stage")
        if not isinstance(sid, str) or not sid:
            raise UsageError(f"stage result {seq + 1} has no stage id")
        if sid in seen:
            raise UsageError(f"stage '{sid}' reported twice in one attempt")
        seen.add(sid)
        if st.get("status") not in STAGE_STATUSES:
            raise UsageError(f"stage '{sid}': status must be one of {', '.join(STAGE_STATUSES)}")
        rows.append(
            (
                sid,
                seq,
                st["status"],
                int(st.get("passed", 0)),
                int(st.get("failed", 0)),
                float(st.get("duration", 0.0)),
                str(st.get("message", "") or ""),
            )
        )
    store = _writer()
    with store.write() as conn:
        if project is not None:
            _touch_project(conn, project, exercise, stack, project_path, float(finished_at))
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
                float(started_at),
                float(finished_at),
                len(rows),
                json.dumps(report, sort_keys=True) if report is not None else None,
                project,
            ),
        )
        attempt_id = cur.lastrowid
        assert attempt_id is not None
        conn.executemany(
            "INSERT INTO stage_results (attempt_id, stage, seq, status, passed, failed, "
            "duration, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(attempt_id, *r) for r in rows],
        )
        passed = [r[0] for r in rows if r[2] == "pass"]
        payload: dict[str, Any] = {"status": status, "stack": stack, "passed": passed}
        if project is not None:
            payload["project"] = project
        _event(conn, "grade", None, exercise, payload, float(finished_at))
    return attempt_id


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


def register_project(project: str, exercise: str, *, stack: str | None, path: str) -> None:
    """Record a new project (``learnpath start``): it becomes the active project."""
    ts = _now()
    store = _writer()
    with store.write() as conn:
        _touch_project(conn, project, exercise, stack, path, ts)
        _event(conn, "start", None, exercise, {"project": project, "stack": stack}, ts)


def _stage_order(exercise: str) -> list[str] | None:
    """Stage ids in the exercise's definition order, when the definition is available."""
    found = _stage_titles(exercise)
    return list(found) if found is not None else None


def _stage_titles(exercise: str) -> dict[str, str] | None:
    """Stage id -> title, in the exercise's definition order, when the definition is available.

    Only ids and titles are needed, so the YAML is read directly (no validation) and the result
    is cached by file mtime: the dashboard and ``progress`` stay fast.
    """
    from learnpath import paths

    sources = [d / exercise / "exercise.yaml" for d in reversed(paths.exercise_dirs())]
    source = next((s for s in sources if s.is_file()), sources[0])
    try:
        stamp = f"{source.stat().st_mtime_ns}:{source.stat().st_size}"
    except OSError:
        return None
    cache_file = paths.cache_dir() / "stage-order.json"
    try:
        cache = json.loads(cache_file.read_text(encoding="utf-8"))
        if not isinstance(cache, dict):
            cache = {}
    except (OSError, ValueError):
        cache = {}
    hit = cache.get(exercise)
    if isinstance(hit, dict) and hit.get("stamp") == stamp and "titles" in hit:
        return dict(zip(hit["stages"], hit["titles"], strict=True))
    try:
        import yaml

        doc = yaml.safe_load(source.read_text(encoding="utf-8"))
        found = {str(st["id"]): str(st.get("title") or st["id"]) for st in doc.get("stages") or []}
    except Exception:  # an unreadable definition: fall back to the recorded order
        return None
    cache[exercise] = {"stamp": stamp, "stages": list(found), "titles": list(found.values())}
    with contextlib.suppress(OSError):  # a read-only disk only costs speed
        write_atomic(cache_file, json.dumps(cache))
    return found


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


def exercise_state(
    exercise: str,
    store: Store | None = None,
    *,
    definition_order: bool = True,
    project: str | None = None,
    legacy: bool = False,
) -> dict:
    """``{"current_stage", "passed_stages", "attempts", "last_status"}`` for ``exercise``.

    A stage passed in any attempt stays passed; the current stage is the first stage (in the
    exercise's order) not passed yet, ``None`` when all are. ``definition_order=False`` skips
    loading the exercise definitions (the dashboard's speed) and uses the recorded order.
    ``project`` limits it to one project's attempts (``legacy``: plus those recorded before
    projects had identities); without it, every attempt of the exercise counts.
    """
    store = store if store is not None else _reader()
    empty: dict[str, Any] = {
        "current_stage": None,
        "passed_stages": [],
        "attempts": 0,
        "last_status": None,
    }
    if store is None:
        order = (_stage_order(exercise) if definition_order else None) or []
        return {**empty, "current_stage": order[0] if order else None}
    where, params = _attempt_filter(exercise, project, legacy)
    a_where, _ = _attempt_filter(exercise, project, legacy, "a")
    n, last_status = store.rows(
        f"SELECT count(*), (SELECT status FROM exercise_attempts WHERE {where} "
        f"ORDER BY finished_at DESC, id DESC LIMIT 1) FROM exercise_attempts WHERE {where}",
        params + params,
    )[0]
    seen = store.rows(
        "SELECT s.stage, min(s.seq), max(s.status = 'pass') FROM stage_results s "
        f"JOIN exercise_attempts a ON a.id = s.attempt_id WHERE {a_where} "
        "GROUP BY s.stage ORDER BY min(s.seq)",
        params,
    )
    passed = {stage for stage, _seq, ok in seen if ok}
    # An exercise without stages in its definition (planned) falls back to the recorded order.
    order = (_stage_order(exercise) if definition_order else None) or [s for s, _q, _ok in seen]
    ordered_passed = [s for s in order if s in passed] + sorted(passed - set(order))
    current = next((s for s in order if s not in passed), None)
    return {
        "current_stage": current,
        "passed_stages": ordered_passed,
        "attempts": n,
        "last_status": last_status,
    }


def projects(store: Store | None = None, exercise: str | None = None) -> list[dict]:
    """The learner's projects, most recently used first, each with its own stages.

    Each: ``id``, ``exercise``, ``stack``, ``folder``, ``stages_total``, ``passed`` (stage ids
    passed at least once, in the exercise's order), ``current_stage`` (``None`` once all
    passed) with its ``current_index`` (1-based) and ``current_title``, ``attempts``,
    ``last_grade`` (``{"status", "finished_at"}`` or ``None``) and ``stages``: per stage its
    best status over all attempts (``pass``, else the last ``fail``/``error``/``skip``, else
    ``todo``), never ``skipped`` for a stage an attempt merely did not run.
    """
    store = store if store is not None else _reader()
    if store is None:
        return []
    where = "WHERE exercise = ?" if exercise else ""
    rows = store.rows(
        f"SELECT id, exercise, stack, path, created_at, updated_at FROM projects {where} "
        "ORDER BY updated_at DESC, created_at DESC",
        (exercise,) if exercise else (),
    )
    return [_project_view(store, r) for r in rows]


def _project_view(store: Store, row: Any) -> dict:
    project, exercise = row["id"], row["exercise"]
    titles = _stage_titles(exercise) or {}
    # Only the project's own attempts: legacy ones (no project) join it at its first grade.
    attempts = store.rows(
        "SELECT id, status, finished_at FROM exercise_attempts WHERE project = ? "
        "ORDER BY finished_at, id",
        (project,),
    )
    best: dict[str, str] = {}
    for r in store.rows(
        "SELECT s.stage, s.status FROM stage_results s JOIN exercise_attempts a "
        "ON a.id = s.attempt_id WHERE a.project = ? ORDER BY a.finished_at, a.id, s.seq",
        (project,),
    ):
        stage, status = r["stage"], r["status"]
        if best.get(stage) == "pass" or status == "skipped":
            continue
        best[stage] = status
    order = list(titles) or list(best)
    passed = [s for s in order if best.get(s) == "pass"]
    current = next((s for s in order if best.get(s) != "pass"), None)
    last = attempts[-1] if attempts else None
    return {
        "id": project,
        "exercise": exercise,
        "stack": row["stack"],
        "folder": row["path"],
        "created_at": _iso(row["created_at"]),
        "stages_total": len(order),
        "passed": passed,
        "current_stage": current,
        "current_index": order.index(current) + 1 if current else None,
        "current_title": titles.get(current, current) if current else None,
        "attempts": len(attempts),
        "last_grade": (
            {"status": last["status"], "finished_at": _iso(last["finished_at"])} if last else None
        ),
        "stages": [
            {"stage": s, "title": titles.get(s, s), "status": best.get(s, "todo")} for s in order
        ],
    }


def exercise_summaries(store: Store | None = None) -> list[dict]:
    """Every exercise with attempts: its state and the stage results of its last attempt."""
    store = store if store is not None else _reader()
    if store is None:
        return []
    out = []
    for row in store.rows(
        "SELECT id, exercise, stack, status, finished_at FROM exercise_attempts a "
        "WHERE id = (SELECT id FROM exercise_attempts b WHERE b.exercise = a.exercise "
        "ORDER BY finished_at DESC, id DESC LIMIT 1) ORDER BY exercise"
    ):
        stages = [
            dict(r)
            for r in store.rows(
                "SELECT stage, status, passed, failed, duration, message FROM stage_results "
                "WHERE attempt_id = ? ORDER BY seq",
                (row["id"],),
            )
        ]
        out.append(
            {
                "exercise": row["exercise"],
                **exercise_state(row["exercise"], store),
                "last_attempt": {
                    "stack": row["stack"],
                    "status": row["status"],
                    "finished_at": _iso(row["finished_at"]),
                    "stages": stages,
                },
            }
        )
    return out


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds")


# -- history: streaks, activity ----------------------------------------------------------------


def streak(store: Store | None = None, today: dt.date | None = None) -> int:
    """Consecutive days with at least one event, ending today (or yesterday: the day isn't over)."""
    store = store if store is not None else _reader()
    if store is None:
        return 0
    today = today or _today()
    expected = today
    count = 0
    # Distinct days newest first, straight from the index; stop at the first gap, so a usual
    # streak costs a few index steps, and even five years of daily activity only milliseconds.
    for (day,) in store.iterate(
        "SELECT DISTINCT day FROM events WHERE day <= ? ORDER BY day DESC", (today.isoformat(),)
    ):
        d = dt.date.fromisoformat(day)
        if count == 0 and d == today - dt.timedelta(days=1):
            expected = d  # nothing yet today: the streak still stands
        if d != expected:
            break
        count += 1
        expected = d - dt.timedelta(days=1)
    return count


def activity(store: Store | None, weeks: int = 12, today: dt.date | None = None) -> list[dict]:
    """Events per calendar week (Monday first) for the last ``weeks`` weeks, oldest first."""
    today = today or _today()
    monday = today - dt.timedelta(days=today.weekday())
    first = monday - dt.timedelta(weeks=weeks - 1)
    buckets = {first + dt.timedelta(weeks=i): 0 for i in range(weeks)}
    if store is not None:
        for day, n in store.rows(
            "SELECT day, count(*) FROM events WHERE day >= ? AND day <= ? GROUP BY day",
            (first.isoformat(), today.isoformat()),
        ):
            d = dt.date.fromisoformat(day)
            start = d - dt.timedelta(days=d.weekday())
            if start in buckets:
                buckets[start] += n
    return [{"week_of": k.isoformat(), "events": v} for k, v in buckets.items()]


# -- the learner's path, pace and dashboard ----------------------------------------------------


def path_weeks(track: Track, specialization: str | None) -> list[Week]:
    """The weeks the learner walks: the main path, then the chosen branch."""
    weeks = sorted(track.weeks, key=lambda w: w.week)
    if specialization:
        weeks += sorted(track.branches.get(specialization, ()), key=lambda w: w.week)
    return weeks


def pace(
    track: Track, enrolled: Enrollment, overlay: Overlay, today: dt.date | None = None
) -> dict:
    """Time on pace: the weeks a learner at their planned hours/week would have finished
    (walking the weeks' estimated hours) against the weeks actually finished."""
    today = today or _today()
    start = dt.date.fromisoformat(enrolled.started_on)
    days = max(0, (today - start).days)
    budget = days / 7 * enrolled.pace_hours
    plan = path_weeks(track, enrolled.specialization)
    if not enrolled.specialization and track.specializations:
        # Before choosing, plan with the first branch: the branches have similar sizes.
        plan += sorted(track.branches.get(track.specializations[0].id, ()), key=lambda w: w.week)
    expected = 0
    spent = 0.0
    for w in plan:
        spent += w.hours
        if spent > budget + 1e-9:
            break
        expected += 1
    finished = sum(overlay.week(w) in FINISHED for w in path_weeks(track, enrolled.specialization))
    delta = finished - expected
    h = f"{enrolled.pace_hours:g} h/week"
    if delta == 0:
        message = f"on pace with your {h} plan"
    else:
        n = abs(delta)
        message = f"{n} week{'s' * (n != 1)} {'behind' if delta < 0 else 'ahead of'} your {h} plan"
    return {
        "pace_hours": enrolled.pace_hours,
        "started_on": enrolled.started_on,
        "days": days,
        "expected_weeks": expected,
        "finished_weeks": finished,
        "delta": delta,
        "message": message,
        "explanation": (
            f"at {h} since {enrolled.started_on} you would have finished {expected} "
            f"week{'s' * (expected != 1)} (by their estimated hours); you have finished {finished}"
        ),
    }


def current_week(track: Track, overlay: Overlay, specialization: str | None) -> Week | None:
    """The first week of the learner's path that is not finished (None: choose or all done)."""
    return next(
        (w for w in path_weeks(track, specialization) if overlay.week(w) not in FINISHED), None
    )


def dashboard(track: Track, *, today: dt.date | None = None) -> dict:
    """Everything the home shows, as plain data (also what ``--format json`` could print)."""
    store = _reader()
    enrolled_row = enrollment(track.id) if store is not None else None
    enrolled = enrolled_row or default_enrollment(track.id)
    spec = (
        enrolled.specialization
        if enrolled.specialization and track.specialization(enrolled.specialization)
        else None
    )
    if store is not None:
        w_status, t_status = _statuses(store, track.id)
        overlay = Overlay(weeks=w_status, topics=t_status)
    else:
        overlay = EMPTY
    quizzes = quiz_stats(track.id, store)
    week = current_week(track, overlay, spec)
    need_spec = week is None and spec is None and bool(track.specializations)
    phases = []
    for p in track.phases:
        if p.id == track.specializations_phase:
            chosen = track.specialization(spec) if spec else None
            ws = list(track.branches.get(chosen.id, ())) if chosen else []
            title = f"{p.title}: {chosen.title}" if chosen else p.title
        else:
            ws = [w for w in track.weeks if p.holds(w.week)]
            title = p.title
        phases.append(
            {"id": p.id, "title": title, "percent": overlay.percent(ws), "weeks": [p.first, p.last]}
        )
    data: dict[str, Any] = {
        "track": track.id,
        "title": track.title,
        "enrolled": enrolled_row is not None,
        "enrollment": asdict(enrolled),
        "specialization": spec,
        "percent": overlay.percent(path_weeks(track, spec)),
        "phases": phases,
        "streak": streak(store, today),
        "pace": pace(track, enrolled, overlay, today),
        "need_specialization": need_spec,
        "specializations": [
            {"id": s.id, "title": s.title, "summary": s.summary} for s in track.specializations
        ],
        "orphans": orphan_messages(orphans(track, overlay)),
        "active_project": active_project(store),
        "current_week": None,
        "next_actions": [],
    }
    if week is not None:
        data["current_week"] = _week_view(track, week, overlay, quizzes, store)
    data["next_actions"] = next_actions(track, data, week)
    return data


def _week_view(
    track: Track, week: Week, overlay: Overlay, quizzes: dict[str, dict], store: Store | None
) -> dict:
    return {
        "week": week.week,
        "id": week.id,
        "key": week.key,
        "title": week.title,
        "phase": week.phase,
        "specialization": week.specialization,
        "hours": week.hours,
        "status": overlay.week(week),
        "summary": week.summary,
        "objectives": list(week.objectives),
        "topics": [
            {"id": t.id, "title": t.title, "status": overlay.topic(week, t.id)} for t in week.topics
        ],
        "resources": [{"title": r.title, "url": r.url, "type": r.type} for r in week.resources],
        "quiz": {"questions": len(week.quiz), **quizzes.get(week.id, {"attempts": 0})},
        "exercises": [
            {
                "id": e,
                **exercise_state(
                    e, store, definition_order=False, project=_latest_project(store, e)
                ),
            }
            for e in week.exercises
        ]
        if store is not None
        else [
            {
                "id": e,
                "current_stage": None,
                "passed_stages": [],
                "attempts": 0,
                "last_status": None,
            }
            for e in week.exercises
        ],
    }


def _latest_project(store: Store, exercise: str) -> str | None:
    """The exercise's most recently used project (``None``: none yet, count every attempt)."""
    found = store.value(
        "SELECT id FROM projects WHERE exercise = ? ORDER BY updated_at DESC, created_at DESC "
        "LIMIT 1",
        (exercise,),
    )
    return str(found) if found is not None else None


def active_project(store: Store | None = None) -> dict | None:
    """The project the learner works on: the one started or graded most recently."""
    store = store if store is not None else _reader()
    if store is None:
        return None
    row = store.rows(
        "SELECT id, exercise, stack, path, created_at, updated_at FROM projects "
        "ORDER BY updated_at DESC, created_at DESC LIMIT 1"
    )
    return _project_view(store, row[0]) if row else None


def project_line(p: Mapping[str, Any]) -> str:
    """``blog-api (fastapi) in ~/blog: stage 6 of 16, last grade fail`` for one project."""
    where = f"{p['exercise']} ({p['stack'] or '-'}) in {p['folder']}"
    if p["current_stage"] is None:
        progress_txt = f"all {p['stages_total']} stages passed"
    else:
        progress_txt = (
            f"stage {p['current_index']} of {p['stages_total']} ({p['current_title']}), "
            f"{len(p['passed'])}/{p['stages_total']} passed"
        )
    last = p["last_grade"]
    graded = f"last grade {last['status']} {last['finished_at']}" if last else "not graded yet"
    return f"{where}: {progress_txt}, {graded}"


def project_actions(p: Mapping[str, Any]) -> list[dict]:
    """What to do next in the active project: read the newly unlocked stage, or grade it."""
    import shlex

    if p["current_stage"] is None:
        return []
    folder = shlex.quote(p["folder"])
    grade = {
        "label": f"Grade {p['exercise']}: stage {p['current_index']} of {p['stages_total']}, "
        f"{p['current_title']}",
        "command": f"learnpath grade {folder}",
    }
    last = p["last_grade"]
    if last is not None and last["status"] == "pass":
        # The last grade passed: the current stage is new to the learner, its text comes first.
        read = {
            "label": f"Read stage {p['current_index']} of {p['exercise']}: {p['current_title']}",
            "command": f"learnpath stage {folder}",
        }
        return [read, grade]
    return [grade]


def next_actions(track: Track, data: dict, week: Week | None) -> list[dict]:
    """Up to three next steps, each with the command that does it; the active project first."""
    project = data.get("active_project")
    first = project_actions(project) if project else []
    rest = _track_actions(track, data, week)
    commands = {a["command"] for a in first}
    seen_ex = project["exercise"] if project else None
    rest = [
        a
        for a in rest
        if a["command"] not in commands
        and not (seen_ex and a["command"] in (f"learnpath start {seen_ex}", "learnpath grade"))
    ]
    return (first + rest)[:3]


def _track_actions(track: Track, data: dict, week: Week | None) -> list[dict]:
    spec_flag = f" --specialization {week.specialization}" if week and week.specialization else ""
    track_flag = "" if track.id == DEFAULT_TRACK else f" --track {track.id}"
    if week is None:
        if data["need_specialization"]:
            phase = track.phase(track.specializations_phase)
            first = phase.first if phase else 1
            names = ", ".join(s.id for s in track.specializations)
            return [
                {
                    "label": f"Choose your specialization ({names}): press c in learning-path",
                    "command": f"learnpath mark week:{first} in-progress{track_flag} "
                    "--specialization ID",
                }
            ]
        return [
            {
                "label": "You finished the track. Congratulations!",
                "command": f"learnpath progress {track.id}",
            }
        ]
    cw = data["current_week"]
    actions = []
    topic = next((t for t in cw["topics"] if t["status"] not in FINISHED), None)
    if topic is not None:
        verb = "Continue" if topic["status"] == "in-progress" else "Start"
        actions.append(
            {
                "label": f"{verb} topic: {topic['title']}",
                "command": f"learnpath mark {topic['id']} done{track_flag}",
            }
        )
    quiz = cw["quiz"]
    if not quiz.get("passed"):
        label = (
            f"Take week {week.week}'s knowledge check ({quiz['questions']} questions)"
            if not quiz["attempts"]
            else f"Retake week {week.week}'s knowledge check (best so far {quiz['best']:g}%)"
        )
        track_opt = "" if track.id == DEFAULT_TRACK else f" --track {track.id}"
        actions.append(
            {"label": label, "command": f"learnpath quiz {week.week}{spec_flag}{track_opt}"}
        )
    for ex in cw["exercises"]:
        if ex["attempts"] == 0:
            actions.append(
                {
                    "label": f"Start the exercise {ex['id']}",
                    "command": f"learnpath start {ex['id']}",
                }
            )
        elif ex["current_stage"] is not None:
            actions.append(
                {
                    "label": f"Grade {ex['id']}: next stage {ex['current_stage']}",
                    "command": "learnpath grade",
                }
            )
        if len(actions) >= 3:
            break
    if len(actions) < 3:
        actions.append(
            {
                "label": f"Mark week {week.week} done when you are ready",
                "command": f"learnpath mark week:{week.week} done{spec_flag}{track_flag}",
            }
        )
    return actions[:3]


def report(track: Track, *, today: dt.date | None = None, activity_weeks: int = 12) -> dict:
    """``learnpath progress``: statuses per phase/week/topic, quizzes, exercises, history."""
    store = _reader()
    enrolled = enrollment(track.id) if store is not None else None
    if store is not None:
        w_status, t_status = _statuses(store, track.id)
        overlay = Overlay(weeks=w_status, topics=t_status)
    else:
        overlay = EMPTY
    spec = chosen_specialization(track) if enrolled else None
    quizzes = quiz_stats(track.id, store)

    def weeks_of(ws: Iterable[Week]) -> list[dict]:
        return [
            {
                "week": w.week,
                "id": w.id,
                "title": w.title,
                "status": overlay.week(w),
                "topics": [
                    {"id": t.id, "title": t.title, "status": overlay.topic(w, t.id)}
                    for t in w.topics
                ],
                "quiz": quizzes.get(w.id, {"attempts": 0}),
            }
            for w in ws
        ]

    phases = [
        {
            "id": p.id,
            "title": p.title,
            "weeks_range": [p.first, p.last],
            "percent": overlay.percent(ws),
            "weeks": weeks_of(ws),
        }
        for p in track.phases
        if p.id != track.specializations_phase
        for ws in [[w for w in track.weeks if p.holds(w.week)]]
    ]
    specs = [
        {
            "id": s.id,
            "title": s.title,
            "chosen": s.id == spec,
            "percent": overlay.percent(ws),
            "weeks": weeks_of(ws),
        }
        for s in track.specializations
        for ws in [list(track.branches.get(s.id, ()))]
    ]
    found_orphans = orphans(track, overlay)
    total_events = store.value("SELECT count(*) FROM events") if store is not None else 0
    return {
        "format": "learnpath-progress-report",
        "track": track.id,
        "title": track.title,
        "enrollment": asdict(enrolled) if enrolled else None,
        "specialization": spec,
        "percent": overlay.percent(path_weeks(track, spec)),
        "main_path_percent": overlay.percent(track.weeks),
        "pace": pace(track, enrolled, overlay, today) if enrolled else None,
        "streak": streak(store, today),
        "events": total_events,
        "activity": activity(store, activity_weeks, today),
        "phases": phases,
        "specializations": specs,
        "exercises": exercise_summaries(store),
        "projects": projects(store),
        "orphans": found_orphans,
        "orphan_messages": orphan_messages(found_orphans),
    }


# -- export / import / reset -------------------------------------------------------------------


def export_data() -> dict:
    """All progress as a versioned JSON-able document (see docs/schema.md)."""
    store = _reader()
    doc: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": _iso(_now()),
        "enrollments": [],
        "statuses": [],
        "quiz_attempts": [],
        "exercise_attempts": [],
        "projects": [],
        "events": [],
    }
    if store is None:
        return doc
    doc["enrollments"] = [dict(r) for r in store.rows("SELECT * FROM enrollments ORDER BY track")]
    doc["statuses"] = [
        dict(r) for r in store.rows("SELECT * FROM statuses ORDER BY track, kind, item")
    ]
    doc["quiz_attempts"] = [
        {**{k: v for k, v in dict(r).items() if k != "id"}, "answers": json.loads(r["answers"])}
        for r in store.rows("SELECT * FROM quiz_attempts ORDER BY taken_at, id")
    ]
    stages: dict[int, list[dict]] = {}
    for r in store.rows("SELECT * FROM stage_results ORDER BY attempt_id, seq"):
        stages.setdefault(r["attempt_id"], []).append(
            {k: v for k, v in dict(r).items() if k not in ("attempt_id", "seq")}
        )
    doc["exercise_attempts"] = [
        {
            **{k: v for k, v in dict(r).items() if k not in ("id", "stage_count", "report")},
            "report": json.loads(r["report"]) if r["report"] else None,
            "stages": stages.get(r["id"], []),
        }
        for r in store.rows("SELECT * FROM exercise_attempts ORDER BY finished_at, id")
    ]
    doc["projects"] = [
        dict(r) for r in store.rows("SELECT * FROM projects ORDER BY created_at, id")
    ]
    doc["events"] = [
        {
            **{k: v for k, v in dict(r).items() if k not in ("id", "payload")},
            "payload": json.loads(r["payload"]) if r["payload"] else None,
        }
        for r in store.rows("SELECT * FROM events ORDER BY ts, id")
    ]
    return doc


def _need(row: Mapping[str, Any], keys: Iterable[str], what: str) -> None:
    if not isinstance(row, Mapping):
        raise UsageError(f"{what} is not an object")
    missing = [k for k in keys if k not in row]
    if missing:
        raise UsageError(f"{what} lacks {', '.join(missing)}")


def _is_number(v: Any) -> bool:
    import math

    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _is_date(v: Any) -> bool:
    try:
        dt.date.fromisoformat(v)
    except (TypeError, ValueError):
        return False
    return isinstance(v, str) and len(v) == 10


def _is_text(v: Any) -> bool:
    return isinstance(v, str) and bool(v)


def _is_optional(check: Any) -> Any:
    return lambda v: v is None or check(v)


def _is_count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


# What each kind of row of an export must hold: key -> (check, what a good value looks like).
# Values are checked, not only keys: a bad date or status stored once would break every later
# 'learning-path' (which reads them) until a reset.
_IMPORT_RULES: dict[str, dict[str, tuple[Any, str]]] = {
    "enrollments": {
        "track": (_is_text, "a track id"),
        "started_on": (_is_date, "a date like 2025-01-31"),
        "pace_hours": (lambda v: _is_number(v) and 1 <= v <= 80, "hours per week, 1-80"),
        "stack": (_is_optional(lambda v: v in STACKS), f"one of {', '.join(STACKS)} or null"),
        "specialization": (_is_optional(_is_text), "a specialization id or null"),
        "updated_at": (_is_number, "a unix time"),
    },
    "statuses": {
        "track": (_is_text, "a track id"),
        "kind": (lambda v: v in ("week", "topic"), "week or topic"),
        "item": (_is_text, "a week or topic id"),
        "status": (lambda v: v in STATUSES, f"one of {', '.join(STATUSES)}"),
        "updated_at": (_is_number, "a unix time"),
    },
    "quiz_attempts": {
        "uuid": (_is_text, "an id"),
        "track": (_is_text, "a track id"),
        "week": (_is_text, "a week id"),
        "taken_at": (_is_number, "a unix time"),
        "score": (_is_count, "a whole number"),
        "total": (lambda v: _is_count(v) and v > 0, "a whole number above 0"),
        "answers": (lambda v: isinstance(v, dict), "an object"),
    },
    "exercise_attempts": {
        "uuid": (_is_text, "an id"),
        "exercise": (_is_text, "an exercise id"),
        "stack": (_is_optional(_is_text), "a stack name or null"),
        "status": (lambda v: v in ATTEMPT_STATUSES, f"one of {', '.join(ATTEMPT_STATUSES)}"),
        "started_at": (_is_number, "a unix time"),
        "finished_at": (_is_number, "a unix time"),
        "stages": (lambda v: isinstance(v, list), "a list"),
        "project": (_is_optional(_is_text), "a project id or null"),
    },
    "stages": {
        "stage": (_is_text, "a stage id"),
        "status": (lambda v: v in STAGE_STATUSES, f"one of {', '.join(STAGE_STATUSES)}"),
        "passed": (_is_count, "a whole number"),
        "failed": (_is_count, "a whole number"),
        "duration": (_is_number, "seconds"),
        "message": (lambda v: isinstance(v, str), "text"),
    },
    "projects": {
        "id": (_is_text, "a project id"),
        "exercise": (_is_text, "an exercise id"),
        "stack": (_is_optional(_is_text), "a stack name or null"),
        "path": (lambda v: isinstance(v, str), "a folder"),
        "created_at": (_is_number, "a unix time"),
        "updated_at": (_is_number, "a unix time"),
    },
    "events": {
        "uuid": (_is_text, "an id"),
        "ts": (_is_number, "a unix time"),
        "day": (_is_optional(_is_date), "a date like 2025-01-31"),
        "kind": (_is_text, "an event kind"),
        "track": (_is_optional(_is_text), "a track id or null"),
        "item": (_is_optional(_is_text), "an id or null"),
        "payload": (_is_optional(lambda v: isinstance(v, dict)), "an object or null"),
    },
}


def _check_values(kind: str, row: Mapping[str, Any], what: str) -> None:
    """Refuse a value that would break the progress views later, naming the entry and key."""
    for key, (ok, expected) in _IMPORT_RULES[kind].items():
        if key in row and not ok(row[key]):
            raise UsageError(
                f"{what}: '{key}' must be {expected}, got {row[key]!r}; nothing was imported"
            )


def import_data(doc: Any, source: str = "the import") -> dict[str, int]:
    """Merge an export into the store: newer ``updated_at`` wins, attempts and events are
    deduplicated by uuid. One transaction; importing the same file twice changes nothing.
    Returns how many rows were added or updated per kind."""
    if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
        raise UsageError(
            f'{source} is not a learnpath progress export (no "format": "{EXPORT_FORMAT}")'
        )
    version = doc.get("version")
    if not isinstance(version, int) or version > EXPORT_VERSION:
        raise UsageError(
            f"{source} has export version {version!r}; this learnpath reads up to "
            f"{EXPORT_VERSION} (upgrade learnpath)"
        )
    counts = dict.fromkeys(
        ("enrollments", "statuses", "quiz_attempts", "exercise_attempts", "projects", "events"), 0
    )
    required = {
        "enrollments": ("track", "started_on", "pace_hours", "updated_at"),
        "statuses": ("track", "kind", "item", "status", "updated_at"),
        "quiz_attempts": ("uuid", "track", "week", "taken_at", "score", "total", "answers"),
        "exercise_attempts": ("uuid", "exercise", "status", "started_at", "finished_at", "stages"),
        "projects": ("id", "exercise", "path", "created_at", "updated_at"),
        "events": ("uuid", "ts", "kind"),
    }
    try:
        rows = {k: list(doc.get(k) or []) for k in counts}
        for kind, keys in required.items():
            noun = {"statuses": "status"}.get(kind, kind.removesuffix("s")).replace("_", " ")
            for i, row in enumerate(rows[kind], 1):
                what = f"{source}: {noun} {i}"
                _need(row, keys, what)
                _check_values(kind, row, what)
        for i, a in enumerate(rows["exercise_attempts"], 1):
            for j, st in enumerate(a["stages"], 1):
                what = f"{source}: exercise attempt {i}, stage {j}"
                _need(st, ("stage", "status"), what)
                _check_values("stages", st, what)
    except TypeError:
        raise UsageError(f"{source}: unexpected structure (not an export?)") from None
    store = _writer()
    try:
        with store.write() as conn:

            def changed(sql: str, params: Iterable[Any]) -> int:
                return conn.execute(sql, tuple(params)).rowcount

            for e in rows["enrollments"]:
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
            for s in rows["statuses"]:
                counts["statuses"] += changed(
                    "INSERT INTO statuses (track, kind, item, status, updated_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (track, kind, item) DO UPDATE SET "
                    "status = excluded.status, updated_at = excluded.updated_at "
                    "WHERE excluded.updated_at > statuses.updated_at",
                    (s["track"], s["kind"], s["item"], s["status"], s["updated_at"]),
                )
            for q in rows["quiz_attempts"]:
                counts["quiz_attempts"] += changed(
                    "INSERT OR IGNORE INTO quiz_attempts (uuid, track, week, taken_at, score, "
                    "total, answers) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        q["uuid"],
                        q["track"],
                        q["week"],
                        q["taken_at"],
                        q["score"],
                        q["total"],
                        json.dumps(q["answers"], sort_keys=True),
                    ),
                )
            for a in rows["exercise_attempts"]:
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
            for p in rows["projects"]:
                counts["projects"] += changed(
                    "INSERT INTO projects (id, exercise, stack, path, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                    "stack = excluded.stack, path = excluded.path, "
                    "updated_at = excluded.updated_at "
                    "WHERE excluded.updated_at > projects.updated_at",
                    (
                        p["id"],
                        p["exercise"],
                        p.get("stack"),
                        p["path"],
                        p["created_at"],
                        p["updated_at"],
                    ),
                )
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO events (uuid, ts, day, kind, track, item, payload) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        ev["uuid"],
                        ev["ts"],
                        ev.get("day") or _day(ev["ts"]),
                        ev["kind"],
                        ev.get("track"),
                        ev.get("item"),
                        json.dumps(ev["payload"], sort_keys=True) if ev.get("payload") else None,
                    )
                    for ev in rows["events"]
                ],
            )
            counts["events"] = conn.total_changes - before
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(
            f"{source}: a malformed entry ({type(exc).__name__}: {exc}); nothing was imported"
        ) from None
    return counts


def reset(backup_dir: Path | None = None) -> Path | None:
    """Delete all progress, after writing a full export to ``backup_dir`` (the path returned).

    Returns ``None`` when there was nothing to delete.
    """
    store = _reader()
    if store is None:
        return None
    doc = export_data()
    folder = backup_dir or db_path().parent / "backups"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = folder / f"progress-{stamp}.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        n = 1
        while target.exists():
            n += 1
            target = folder / f"progress-{stamp}-{n}.json"
        target.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    except OSError as exc:
        raise StoreError(
            f"cannot write the backup {target} ({exc.strerror or exc}); nothing was deleted"
        ) from None
    with store.write() as conn:
        for table in DATA_TABLES:  # children before parents (foreign keys)
            conn.execute(f"DELETE FROM {table}")
    return target
