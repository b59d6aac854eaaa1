"""The learner's path and time: which weeks they walk, how long the plan takes, whether they are
on pace. Pure functions over the track, the enrollment and the statuses."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

from learnpath.status import FINISHED, Overlay

if TYPE_CHECKING:
    from learnpath.models import Track, Week
    from learnpath.progress.enrollment import Enrollment


def path_weeks(track: Track, specialization: str | None) -> list[Week]:
    """The weeks the learner walks: the main path, then the chosen branch."""
    weeks = sorted(track.weeks, key=lambda w: w.week)
    if specialization:
        weeks += sorted(track.branches.get(specialization, ()), key=lambda w: w.week)
    return weeks


def plan_branch(track: Track, specialization: str | None) -> str | None:
    """The branch a plan counts: the chosen one, else the first (branches have similar sizes)."""
    if specialization and specialization in track.branches:
        return specialization
    return track.specializations[0].id if track.specializations else None


def plan_weeks(track: Track, specialization: str | None) -> list[Week]:
    """Every week of the plan: the main path and the chosen (or first) specialization."""
    return path_weeks(track, plan_branch(track, specialization))


def plan_length(track: Track, specialization: str | None, pace_hours: float) -> dict:
    """How long the plan really takes at ``pace_hours``: the sum of its weeks' estimated hours.

    ``{"hours", "weeks", "calendar_weeks", "pace_hours", "branch"}``: ``weeks`` is the number
    of curriculum weeks, ``calendar_weeks`` how many weeks of the learner's time they fill.
    """
    weeks = plan_weeks(track, specialization)
    hours = sum(w.hours for w in weeks)
    return {
        "hours": round(hours, 1),
        "weeks": len(weeks),
        "calendar_weeks": math.ceil(hours / pace_hours - 1e-9) if pace_hours > 0 else 0,
        "pace_hours": pace_hours,
        "branch": plan_branch(track, specialization),
    }


def pace(track: Track, enrolled: Enrollment, overlay: Overlay, today: dt.date) -> dict:
    """Time on pace: the weeks a learner at their planned hours/week would have finished
    (walking the weeks' estimated hours) against the weeks actually finished (``delta``:
    positive ahead, negative behind)."""
    start = dt.date.fromisoformat(enrolled.started_on)
    days = max(0, (today - start).days)
    budget = days / 7 * enrolled.pace_hours
    expected = 0
    spent = 0.0
    for w in plan_weeks(track, enrolled.specialization):
        spent += w.hours
        if spent > budget + 1e-9:
            break
        expected += 1
    finished = sum(overlay.week(w) in FINISHED for w in path_weeks(track, enrolled.specialization))
    return {
        "pace_hours": enrolled.pace_hours,
        "started_on": enrolled.started_on,
        "days": days,
        "expected_weeks": expected,
        "finished_weeks": finished,
        "delta": finished - expected,
    }


def current_week(track: Track, overlay: Overlay, specialization: str | None) -> Week | None:
    """The first week of the learner's path that is not finished (None: choose or all done)."""
    return next(
        (w for w in path_weeks(track, specialization) if overlay.week(w) not in FINISHED), None
    )
