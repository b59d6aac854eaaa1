"""Projects and their grading attempts: what each project has passed and where it stands.

Stage order and titles come from the exercise definitions (the content catalog); an exercise
without a readable definition (planned, or removed) falls back to the recorded order.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from learnpath.errors import LearnpathError, UsageError
from learnpath.progress.repository import Repository

ATTEMPT_STATUSES = ("pass", "fail", "error")
STAGE_STATUSES = ("pass", "fail", "skip", "skipped", "error")


def iso(ts: float) -> str:
    """A unix time as an ISO UTC timestamp (seconds)."""
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds")


def stage_titles(exercise: str) -> dict[str, str] | None:
    """Stage id -> title, in the exercise's definition order (``None``: no definition)."""
    from learnpath.content import exercises

    try:
        found = exercises.load_all()
    except LearnpathError:  # another exercise does not validate: use those that do
        found, _ = exercises.load_checked()
    ex = found.get(exercise)
    if ex is None:
        return None
    return {st.id: st.title or st.id for st in ex.stages}


def stage_order(exercise: str) -> list[str] | None:
    """Stage ids in the exercise's definition order, when the definition is available."""
    found = stage_titles(exercise)
    return list(found) if found is not None else None


def _stage_rows(stages: list[dict]) -> list[tuple[str, int, str, int, int, float, str]]:
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
    return rows


def record_attempt(
    repo: Repository,
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
    project's identity (``project_path`` its folder); ``adopt_legacy`` gives it the exercise's
    attempts recorded before projects had identities.
    """
    if status not in ATTEMPT_STATUSES:
        raise UsageError(f"attempt status must be one of {', '.join(ATTEMPT_STATUSES)}: {status!r}")
    return repo.add_attempt(
        exercise,
        stack=stack,
        status=status,
        started_at=float(started_at),
        finished_at=float(finished_at),
        stage_rows=_stage_rows(stages),
        report=report,
        project=project,
        project_path=project_path,
        adopt_legacy=adopt_legacy,
    )


def register_project(
    repo: Repository, project: str, exercise: str, *, stack: str | None, path: str
) -> None:
    """Record a new project (``learnpath start``): it becomes the active project."""
    repo.register_project(project, exercise, stack=stack, path=path, ts=time.time())


def exercise_state(
    repo: Repository,
    exercise: str,
    *,
    definition_order: bool = True,
    project: str | None = None,
    legacy: bool = False,
) -> dict:
    """``{"current_stage", "passed_stages", "attempts", "last_status"}`` for ``exercise``.

    A stage passed in any attempt stays passed; the current stage is the first stage (in the
    exercise's order) not passed yet, ``None`` when all are. ``definition_order=False`` skips
    loading the exercise definitions and uses the recorded order. ``project`` limits it to one
    project's attempts (``legacy``: plus those recorded before projects had identities);
    without it, every attempt of the exercise counts.
    """
    if not repo.exists:
        order = (stage_order(exercise) if definition_order else None) or []
        return {
            "current_stage": order[0] if order else None,
            "passed_stages": [],
            "attempts": 0,
            "last_status": None,
        }
    n, last_status, seen = repo.attempt_summary(exercise, project, legacy)
    passed = {stage for stage, _seq, ok in seen if ok}
    # An exercise without stages in its definition (planned) falls back to the recorded order.
    order = (stage_order(exercise) if definition_order else None) or [s for s, _q, _ok in seen]
    ordered_passed = [s for s in order if s in passed] + sorted(passed - set(order))
    current = next((s for s in order if s not in passed), None)
    return {
        "current_stage": current,
        "passed_stages": ordered_passed,
        "attempts": n,
        "last_status": last_status,
    }


def projects(repo: Repository, exercise: str | None = None) -> list[dict]:
    """The learner's projects, most recently used first, each with its own stages.

    Each: ``id``, ``exercise``, ``stack``, ``folder``, ``stages_total``, ``passed`` (stage ids
    passed at least once, in the exercise's order), ``current_stage`` (``None`` once all
    passed) with its ``current_index`` (1-based) and ``current_title``, ``attempts``,
    ``last_grade`` (``{"status", "finished_at"}`` or ``None``) and ``stages``: per stage its
    best status over all attempts (``pass``, else the last ``fail``/``error``/``skip``, else
    ``todo``), never ``skipped`` for a stage an attempt merely did not run.
    """
    return [_project_view(repo, r) for r in repo.project_rows(exercise)]


def active_project(repo: Repository) -> dict | None:
    """The project the learner works on: the one started or graded most recently."""
    rows = repo.project_rows(limit=1)
    return _project_view(repo, rows[0]) if rows else None


def latest_project(repo: Repository, exercise: str) -> str | None:
    """The exercise's most recently used project (``None``: none yet, count every attempt)."""
    rows = repo.project_rows(exercise, limit=1)
    return str(rows[0]["id"]) if rows else None


def _project_view(repo: Repository, row: Any) -> dict:
    project, exercise = row["id"], row["exercise"]
    titles = stage_titles(exercise) or {}
    # Only the project's own attempts: legacy ones (no project) join it at its first grade.
    attempts = repo.project_attempts(project)
    best: dict[str, str] = {}
    for r in repo.project_stage_results(project):
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
        "created_at": iso(row["created_at"]),
        "stages_total": len(order),
        "passed": passed,
        "current_stage": current,
        "current_index": order.index(current) + 1 if current else None,
        "current_title": titles.get(current, current) if current else None,
        "attempts": len(attempts),
        "last_grade": (
            {"status": last["status"], "finished_at": iso(last["finished_at"])} if last else None
        ),
        "stages": [
            {"stage": s, "title": titles.get(s, s), "status": best.get(s, "todo")} for s in order
        ],
    }


def exercise_summaries(repo: Repository) -> list[dict]:
    """Every exercise with attempts: its state and the stage results of its last attempt."""
    return [
        {
            "exercise": row["exercise"],
            **exercise_state(repo, row["exercise"]),
            "last_attempt": {
                "stack": row["stack"],
                "status": row["status"],
                "finished_at": iso(row["finished_at"]),
                "stages": repo.stage_results(row["id"]),
            },
        }
        for row in repo.last_attempts()
    ]
