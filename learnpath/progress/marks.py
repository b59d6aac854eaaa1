"""Statuses of weeks and topics: resolving what the learner names, marking it, reading it back."""

from __future__ import annotations

import time
from dataclasses import dataclass

from learnpath.errors import UsageError
from learnpath.models import Track, Week
from learnpath.progress.enrollment import chosen_specialization
from learnpath.progress.repository import Repository
from learnpath.status import EMPTY, STATUSES, Overlay


def overlay_for(repo: Repository, track: Track) -> Overlay:
    """The learner's statuses in ``track`` (:data:`EMPTY` when nothing is recorded yet)."""
    weeks, topics = repo.statuses(track.id)
    return Overlay(weeks=weeks, topics=topics) if weeks or topics else EMPTY


def orphans(track: Track, overlay: Overlay) -> dict[str, dict[str, int]]:
    """Recorded statuses on ids this version of the track no longer has, counted by status.

    They are kept (a later version may bring the id back, an export carries them) but never
    counted in percentages.
    """
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


@dataclass(frozen=True)
class Marked:
    kind: str  # week | topic
    item: str  # its id
    label: str  # "week 3: Git, GitHub..." for messages
    status: str
    specialization_chosen: str | None = None


def resolve_item(
    track: Track, item: str, specialization: str | None = None, *, chosen: str | None = None
) -> tuple[str, Week, str | None]:
    """``week:N`` or a topic id -> (kind, week, topic id or None), with clear errors.

    ``chosen``: the learner's specialization, for a specialization week named without one.
    """
    if item.startswith("week:"):
        raw = item.split(":", 1)[1]
        if "@" in raw:  # week:40@database-admin, as Week.key spells it
            raw, specialization = raw.split("@", 1)
        try:
            number = int(raw)
        except ValueError:
            raise UsageError(f"'{item}' is not a week; write week:N, e.g. week:3") from None
        return "week", find_week(track, number, specialization, chosen=chosen), None
    topics = track.topics()
    if item in topics:
        return "topic", topics[item][0], item
    import difflib

    close = difflib.get_close_matches(item, list(topics), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; use week:N or a topic id"
    raise UsageError(f"unknown item '{item}' in track '{track.id}'{hint}")


def find_week(
    track: Track, number: int, specialization: str | None = None, *, chosen: str | None = None
) -> Week:
    """Week ``number`` of the learner's path: a specialization week needs a branch
    (``specialization``, else the learner's ``chosen`` one)."""
    # A misspelt --specialization is the error to report, whatever the week.
    if specialization is not None and track.specialization(specialization) is None:
        names = ", ".join(s.id for s in track.specializations)
        raise UsageError(f"unknown specialization '{specialization}'; specializations: {names}")
    last = max(p.last for p in track.phases)
    if not 1 <= number <= last:
        raise UsageError(f"week {number} does not exist; track '{track.id}' has weeks 1-{last}")
    spec_phase = track.phase(track.specializations_phase)
    if spec_phase is not None and spec_phase.holds(number):
        spec = specialization or chosen
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


def mark(
    repo: Repository, track: Track, item: str, status: str, *, specialization: str | None = None
) -> Marked:
    """Set the status of ``week:N`` or a topic id; appends a ``mark`` event."""
    if status not in STATUSES:
        raise UsageError(f"unknown status '{status}'; use one of {', '.join(STATUSES)}")
    chosen = chosen_specialization(repo, track)
    kind, week, topic_id = resolve_item(track, item, specialization, chosen=chosen)
    return set_status(repo, track, kind, topic_id or week.id, status, week=week)


def set_status(
    repo: Repository, track: Track, kind: str, item_id: str, status: str, *, week: Week
) -> Marked:
    """Store one status (by stable id) and its event, in one transaction."""
    chosen = None
    if week.specialization and chosen_specialization(repo, track) is None:
        chosen = week.specialization  # working on a branch week is choosing that branch
    repo.put_status(track.id, kind, item_id, status, time.time(), choose=chosen)
    if kind == "week":
        label = f"week {week.week}: {week.title}"
    else:
        title = next((t.title for t in week.topics if t.id == item_id), item_id)
        label = f"topic {title} ({item_id}, week {week.week})"
    return Marked(kind, item_id, label, status, chosen)
