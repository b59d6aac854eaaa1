"""What the home and ``learnpath progress`` show, as plain data (no wording for display).

Next actions are data too: each has a ``kind`` and the ids it needs; the CLI
(:mod:`learnpath.cli.next_steps`) words them and gives each its command.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from learnpath.models import Track, Week
from learnpath.progress import quiz
from learnpath.progress.enrollment import chosen_specialization, default_enrollment, enrollment
from learnpath.progress.marks import orphans, overlay_for
from learnpath.progress.pace import current_week, pace, path_weeks, plan_length
from learnpath.progress.projects import (
    active_project,
    exercise_state,
    exercise_summaries,
    latest_project,
    projects,
)
from learnpath.progress.repository import Repository
from learnpath.progress.streaks import activity, activity_window, streak
from learnpath.status import FINISHED, Overlay

MAX_ACTIONS = 3


def _streak(repo: Repository, today: dt.date) -> int:
    return streak(repo.event_days(today.isoformat()), today)


def dashboard(repo: Repository, track: Track, *, today: dt.date | None = None) -> dict:
    """Everything the home shows, as plain data (also what ``--format json`` could print)."""
    today = today or dt.date.today()
    enrolled_row = enrollment(repo, track.id)
    enrolled = enrolled_row or default_enrollment(track.id, today)
    spec = (
        enrolled.specialization
        if enrolled.specialization and track.specialization(enrolled.specialization)
        else None
    )
    overlay = overlay_for(repo, track)
    quizzes = quiz.summarize(repo.quiz_rows(track.id))
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
        "streak": _streak(repo, today),
        "pace": pace(track, enrolled, overlay, today),
        "plan": plan_length(track, spec, enrolled.pace_hours),
        "need_specialization": need_spec,
        "specializations": [
            {"id": s.id, "title": s.title, "summary": s.summary} for s in track.specializations
        ],
        "orphans": orphans(track, overlay),
        "active_project": active_project(repo),
        "current_week": None,
        "next_actions": [],
    }
    if week is not None:
        data["current_week"] = _week_view(repo, week, overlay, quizzes)
    data["next_actions"] = next_actions(track, data, week)
    return data


def _week_view(repo: Repository, week: Week, overlay: Overlay, quizzes: dict[str, dict]) -> dict:
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
                **_graded_work(e, week.week),
                **exercise_state(repo, e, definition_order=False, project=latest_project(repo, e)),
            }
            for e in week.exercises
        ],
    }


def _graded_work(exercise_id: str, week: int) -> dict[str, Any]:
    """Whether an exercise can be started yet, and which of its stages this week leads to."""
    from learnpath.content import exercises

    defs, _ = exercises.load_checked()
    ex = defs.get(exercise_id)
    if ex is None:
        return {"ready": False, "stages": ""}
    return {"ready": ex.status == "ready", "stages": exercises.stage_span(ex, week)}


def project_actions(p: dict) -> list[dict]:
    """What to do next in the active project: read the newly unlocked stage, or grade it."""
    if p["current_stage"] is None:
        return []
    where = {
        "exercise": p["exercise"],
        "folder": p["folder"],
        "stage": p["current_stage"],
        "stage_index": p["current_index"],
        "stages_total": p["stages_total"],
        "stage_title": p["current_title"],
    }
    grade = {"kind": "grade-project", **where}
    last = p["last_grade"]
    if last is not None and last["status"] == "pass":
        # The last grade passed: the current stage is new to the learner, its text comes first.
        return [{"kind": "read-stage", **where}, grade]
    return [grade]


def next_actions(track: Track, data: dict, week: Week | None) -> list[dict]:
    """Up to three next steps as data (``kind`` + ids); the active project's come first."""
    project = data.get("active_project")
    first = project_actions(project) if project else []
    seen_ex = project["exercise"] if project else None
    rest = [
        a
        for a in _track_actions(track, data, week)
        # The active project's own steps replace the week's generic ones for its exercise.
        if not (seen_ex and a.get("exercise") == seen_ex)
    ]
    return (first + rest)[:MAX_ACTIONS]


def _track_actions(track: Track, data: dict, week: Week | None) -> list[dict]:
    if week is None:
        if data["need_specialization"]:
            phase = track.phase(track.specializations_phase)
            return [
                {
                    "kind": "choose-specialization",
                    "track": track.id,
                    "week": phase.first if phase else 1,
                    "specializations": [s.id for s in track.specializations],
                }
            ]
        return [{"kind": "track-finished", "track": track.id}]
    cw = data["current_week"]
    base = {"track": track.id, "week": week.week, "specialization": week.specialization}
    actions: list[dict] = []
    topic = next((t for t in cw["topics"] if t["status"] not in FINISHED), None)
    if topic is not None:
        actions.append(
            {
                "kind": "topic",
                "track": track.id,
                "topic": topic["id"],
                "title": topic["title"],
                "started": topic["status"] == "in-progress",
            }
        )
    q = cw["quiz"]
    if not q.get("passed"):
        actions.append(
            {
                "kind": "quiz",
                **base,
                "questions": q["questions"],
                "attempts": q["attempts"],
                "best": q.get("best"),
            }
        )
    for ex in cw["exercises"]:
        if not ex["ready"]:
            continue  # nothing to start yet: the week view says "graded exercise coming"
        if ex["attempts"] == 0:
            actions.append({"kind": "start-exercise", "exercise": ex["id"]})
        elif ex["current_stage"] is not None:
            actions.append(
                {"kind": "grade-exercise", "exercise": ex["id"], "stage": ex["current_stage"]}
            )
        if len(actions) >= MAX_ACTIONS:
            break
    if len(actions) < MAX_ACTIONS:
        actions.append({"kind": "mark-week", **base})
    return actions[:MAX_ACTIONS]


def report(
    repo: Repository, track: Track, *, today: dt.date | None = None, activity_weeks: int = 12
) -> dict:
    """``learnpath progress``: statuses per phase/week/topic, quizzes, exercises, history."""
    today = today or dt.date.today()
    enrolled = enrollment(repo, track.id)
    overlay = overlay_for(repo, track)
    spec = chosen_specialization(repo, track) if enrolled else None
    quizzes = quiz.summarize(repo.quiz_rows(track.id))

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
    first, last = activity_window(activity_weeks, today)
    pace_hours = (enrolled or default_enrollment(track.id, today)).pace_hours
    return {
        "format": "learnpath-progress-report",
        "track": track.id,
        "title": track.title,
        "enrollment": asdict(enrolled) if enrolled else None,
        "specialization": spec,
        "percent": overlay.percent(path_weeks(track, spec)),
        "main_path_percent": overlay.percent(track.weeks),
        "pace": pace(track, enrolled, overlay, today) if enrolled else None,
        "plan": plan_length(track, spec, pace_hours),
        "streak": _streak(repo, today),
        "events": repo.event_count(),
        "activity": activity(
            repo.events_per_day(first.isoformat(), last.isoformat()), activity_weeks, today
        ),
        "phases": phases,
        "specializations": specs,
        "exercises": exercise_summaries(repo),
        "projects": projects(repo),
        "orphans": orphans(track, overlay),
    }
