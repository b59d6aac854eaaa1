"""Status of weeks and topics as the learner sees it, derived from what the progress store holds.

Kept apart from the store so the roadmap views can overlay status without opening a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from learnpath.models import Week

STATUSES = ("todo", "in-progress", "done", "skipped")
FINISHED = frozenset({"done", "skipped"})


@dataclass(frozen=True)
class Overlay:
    """Explicit statuses by stable id. A week's status, unless set, follows its topics."""

    weeks: Mapping[str, str] = field(default_factory=dict)
    topics: Mapping[str, str] = field(default_factory=dict)

    def topic(self, week: Week, topic_id: str) -> str:
        explicit = self.topics.get(topic_id)
        if explicit is not None and explicit != "todo":
            return explicit
        if self.weeks.get(week.id) in FINISHED:
            return self.weeks[week.id]
        return explicit or "todo"

    def week(self, week: Week) -> str:
        explicit = self.weeks.get(week.id)
        if explicit is not None and explicit != "todo":
            return explicit
        states = [self.topic(week, t.id) for t in week.topics]
        if states and all(s in FINISHED for s in states):
            return "done"
        if any(s != "todo" for s in states):
            return "in-progress"
        return "todo"

    def percent(self, weeks: Iterable[Week]) -> float:
        """Share of topics finished (done or skipped) across ``weeks``, 0-100."""
        total = finished = 0
        for w in weeks:
            for t in w.topics:
                total += 1
                finished += self.topic(w, t.id) in FINISHED
        return round(100 * finished / total, 1) if total else 0.0


EMPTY = Overlay()
