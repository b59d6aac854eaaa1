"""Words for what the progress core returns as data: next actions, a project, the pace, the
plan's length, statuses the track no longer has.

The core (:mod:`learnpath.progress.dashboard`) says *what* is next (a ``kind`` and ids); this
module says it to the learner and gives the command that does it.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from learnpath.progress.enrollment import DEFAULT_TRACK
from learnpath.status import FINISHED


def _track_flag(track: str) -> str:
    return "" if track == DEFAULT_TRACK else f" --track {track}"


def _spec_flag(spec: str | None) -> str:
    return f" --specialization {spec}" if spec else ""


def word(action: Mapping[str, Any]) -> dict[str, str]:
    """One next action (``kind`` + ids) as ``{"label", "command"}``."""
    kind = action["kind"]
    if kind in ("read-stage", "grade-project"):
        folder = shlex.quote(action["folder"])
        at = f"stage {action['stage_index']} of {action['stages_total']}"
        if kind == "read-stage":
            return {
                "label": f"Read stage {action['stage_index']} of {action['exercise']}: "
                f"{action['stage_title']}",
                "command": f"learnpath stage {folder}",
            }
        return {
            "label": f"Grade {action['exercise']}: {at}, {action['stage_title']}",
            "command": f"learnpath grade {folder}",
        }
    if kind == "choose-specialization":
        names = ", ".join(action["specializations"])
        return {
            "label": f"Choose your specialization ({names}): press c in learning-path",
            "command": f"learnpath mark week:{action['week']} in-progress"
            f"{_track_flag(action['track'])} --specialization ID",
        }
    if kind == "track-finished":
        return {
            "label": "You finished the track. Congratulations!",
            "command": f"learnpath progress {action['track']}",
        }
    if kind == "topic":
        verb = "Continue" if action["started"] else "Start"
        return {
            "label": f"{verb} topic: {action['title']}",
            "command": f"learnpath mark {action['topic']} done{_track_flag(action['track'])}",
        }
    if kind == "quiz":
        label = (
            f"Take week {action['week']}'s knowledge check ({action['questions']} questions)"
            if not action["attempts"]
            else f"Retake week {action['week']}'s knowledge check (best so far {action['best']:g}%)"
        )
        return {
            "label": label,
            "command": f"learnpath quiz {action['week']}{_spec_flag(action['specialization'])}"
            f"{_track_flag(action['track'])}",
        }
    if kind == "start-exercise":
        return {
            "label": f"Start the exercise {action['exercise']}",
            "command": f"learnpath start {action['exercise']}",
        }
    if kind == "grade-exercise":
        return {
            "label": f"Grade {action['exercise']}: next stage {action['stage']}",
            "command": "learnpath grade",
        }
    if kind == "mark-week":
        return {
            "label": f"Mark week {action['week']} done when you are ready",
            "command": f"learnpath mark week:{action['week']} done"
            f"{_spec_flag(action['specialization'])}{_track_flag(action['track'])}",
        }
    raise ValueError(f"unknown next action {kind!r}")


def worded(data: Mapping[str, Any]) -> list[dict[str, str]]:
    """The dashboard's next actions, worded."""
    return [word(a) for a in data.get("next_actions") or []]


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


def plan_line(plan: Mapping[str, Any], *, short: bool = False) -> str:
    """``the plan is 640 h: about 64 weeks at 10 h/week (48 curriculum weeks)``; ``short``:
    ``plan 640 h, about 64 weeks`` (the compact home, where the pace is said already)."""
    weeks = plan["calendar_weeks"]
    about = f"about {weeks} week{'s' * (weeks != 1)}"
    if short:
        return f"plan {plan['hours']:g} h, {about}"
    return (
        f"the plan is {plan['hours']:g} h: {about} at {plan['pace_hours']:g} h/week "
        f"({plan['weeks']} curriculum weeks)"
    )


def pace_words(p: Mapping[str, Any]) -> dict[str, str]:
    """``{"message": "2 weeks behind your 10 h/week plan", "explanation": ...}`` for a pace."""
    h = f"{p['pace_hours']:g} h/week"
    delta, expected = p["delta"], p["expected_weeks"]
    if delta == 0:
        message = f"on pace with your {h} plan"
    else:
        n = abs(delta)
        message = f"{n} week{'s' * (n != 1)} {'behind' if delta < 0 else 'ahead of'} your {h} plan"
    explanation = (
        f"at {h} since {p['started_on']} you would have finished {expected} "
        f"week{'s' * (expected != 1)} (by their estimated hours); you have finished "
        f"{p['finished_weeks']}"
    )
    return {"message": message, "explanation": explanation}


def orphan_messages(found: Mapping[str, Mapping[str, int]]) -> list[str]:
    """``["2 finished topics no longer exist in this version of the track ..."]``."""
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


def worded_report(data: Mapping[str, Any]) -> dict[str, Any]:
    """The progress report with its words added (the pace's message, the orphans' notes), as
    ``learnpath progress`` prints it, in text or JSON."""
    out = dict(data)
    if out.get("pace"):
        out["pace"] = {**out["pace"], **pace_words(out["pace"])}
    out["orphan_messages"] = orphan_messages(out.get("orphans") or {})
    return out
