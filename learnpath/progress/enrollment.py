"""Who the learner is in a track: started when, at what pace, on which stack and branch."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from learnpath.errors import UsageError
from learnpath.models import Track
from learnpath.progress.repository import DEFAULT_PACE, Repository

DEFAULT_TRACK = "backend"
STACKS = ("python", "node", "java")


@dataclass(frozen=True)
class Enrollment:
    track: str
    started_on: str
    pace_hours: float
    stack: str | None
    specialization: str | None
    updated_at: float


def enrollment(repo: Repository, track_id: str) -> Enrollment | None:
    """The learner's enrollment in ``track_id``, or ``None`` before the first run."""
    row = repo.enrollment_row(track_id)
    return Enrollment(*row) if row is not None else None


def default_enrollment(track_id: str, today: dt.date | None = None) -> Enrollment:
    """What a learner who skips onboarding gets: 10 h/week, Python, starting today."""
    start = (today or dt.date.today()).isoformat()
    return Enrollment(track_id, start, DEFAULT_PACE, "python", None, 0.0)


def default_track(repo: Repository) -> str:
    """The learner's track: the one touched most recently, ``backend`` before anything."""
    return repo.latest_track() or DEFAULT_TRACK


def enroll(
    repo: Repository,
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
    start = started_on or dt.date.today().isoformat()
    try:
        dt.date.fromisoformat(start)
    except ValueError:
        raise UsageError(f"start date must look like 2025-01-31, got '{start}'") from None
    repo.upsert_enrollment(
        track_id,
        started_on=start,
        pace_hours=pace_hours,
        stack=stack,
        specialization=specialization,
        ts=time.time(),
    )
    found = enrollment(repo, track_id)
    assert found is not None
    return found


def chosen_specialization(repo: Repository, track: Track) -> str | None:
    """The specialization the learner chose in ``track``, if any (and if it still exists)."""
    found = enrollment(repo, track.id)
    if found is None or found.specialization is None:
        return None
    return found.specialization if track.specialization(found.specialization) else None


def choose_specialization(repo: Repository, track: Track, spec_id: str) -> None:
    """Record the learner's specialization (weeks of the specialization phase)."""
    if track.specialization(spec_id) is None:
        names = ", ".join(s.id for s in track.specializations)
        raise UsageError(f"unknown specialization '{spec_id}'; specializations: {names}")
    repo.set_specialization(track.id, spec_id, time.time())
