"""Immutable definitions of tracks and weeks, exactly as instructors write them in YAML.

Field names are the YAML keys. ``meta(...)`` adds the rules the schema walker enforces; fields
with ``yaml=False`` are filled in by the loader, not read from files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

FORMAT_VERSION = 1
TRACK_FILE = "track.yaml"
ID = r"[a-z0-9][a-z0-9-]*"
ID_HELP = "use lowercase letters, digits and dashes, starting with a letter or digit"
RESOURCE_TYPES = ("official", "article", "course", "video", "book", "tool", "opensource")
ResourceType = Literal["official", "article", "course", "video", "book", "tool", "opensource"]
Status = Literal["todo", "in-progress", "done", "skipped"]


def meta(**kwargs: Any) -> dict[str, Any]:
    """Field metadata the schema walker enforces: ``min`` items, ``pattern`` (with
    ``pattern_help``), ``range`` and ``yaml=False`` for fields the loader fills in."""
    return kwargs


def _id() -> dict:
    return meta(pattern=ID, pattern_help=ID_HELP)


@dataclass(frozen=True)
class Choice:
    text: str
    correct: bool = False


@dataclass(frozen=True)
class Question:
    id: str = field(metadata=_id())
    kind: Literal["single", "multiple"]
    question: str
    choices: tuple[Choice, ...] = field(metadata=meta(min=2))
    explanation: str

    @property
    def answer(self) -> frozenset[int]:
        """Indices of the correct choices."""
        return frozenset(i for i, c in enumerate(self.choices) if c.correct)


@dataclass(frozen=True)
class Resource:
    title: str
    url: str = field(metadata=meta(pattern=r"https?://\S+", pattern_help="use an http(s) URL"))
    type: ResourceType
    # Paid books and courses are labelled so a free alternative can sit next to them.
    cost: Literal["free", "paid"] = "free"


@dataclass(frozen=True)
class Topic:
    id: str = field(metadata=_id())
    title: str
    roadmap: tuple[str, ...] = ()


@dataclass(frozen=True)
class Week:
    """One module: a week of the track, or of one of its specializations."""

    yaml_name: ClassVar[str] = "week module"

    format_version: int
    id: str = field(metadata=_id())
    week: int = field(metadata=meta(range=(1, 9999)))
    phase: str
    title: str
    summary: str
    hours: float = field(metadata=meta(range=(1, 40)))
    objectives: tuple[str, ...] = field(metadata=meta(min=3))
    topics: tuple[Topic, ...] = field(metadata=meta(min=3))
    resources: tuple[Resource, ...] = field(metadata=meta(min=2))
    quiz: tuple[Question, ...] = field(metadata=meta(min=3))
    specialization: str | None = None
    exercises: tuple[str, ...] = ()
    prerequisites: tuple[str, ...] = ()
    source: str = field(default="", metadata=meta(yaml=False), compare=False)

    @property
    def key(self) -> str:
        """Where this week sits: ``week:3`` or ``week:40@database-admin``."""
        suffix = f"@{self.specialization}" if self.specialization else ""
        return f"week:{self.week}{suffix}"


@dataclass(frozen=True)
class Phase:
    id: str = field(metadata=_id())
    title: str
    weeks: tuple[int, ...] = field(metadata=meta(min=2))
    summary: str = ""

    @property
    def first(self) -> int:
        return self.weeks[0]

    @property
    def last(self) -> int:
        return self.weeks[-1]

    def holds(self, week: int) -> bool:
        return self.first <= week <= self.last


@dataclass(frozen=True)
class Specialization:
    id: str = field(metadata=_id())
    title: str
    summary: str = ""
    roadmap: str | None = None


@dataclass(frozen=True)
class TrackFile:
    """``track.yaml``. An overlay (a folder on ``LEARNPATH_PATH`` extending a built-in track)
    needs only ``format_version`` and ``id``."""

    yaml_name: ClassVar[str] = "track"

    format_version: int
    id: str = field(metadata=_id())
    title: str | None = None
    summary: str | None = None
    roadmap: str | None = None
    phases: tuple[Phase, ...] = ()
    specializations: tuple[Specialization, ...] = ()
    specializations_phase: str | None = None


@dataclass(frozen=True)
class Track:
    """A loaded, validated track: its phases, main-path weeks and specialization branches."""

    id: str
    title: str
    summary: str
    roadmap: str
    phases: tuple[Phase, ...]
    specializations: tuple[Specialization, ...]
    specializations_phase: str
    weeks: tuple[Week, ...]  # main path, in week order
    branches: dict[str, tuple[Week, ...]]  # specialization id -> its weeks, in week order
    exercises: frozenset[str] = frozenset()

    def all_weeks(self) -> list[Week]:
        out = list(self.weeks)
        for spec in self.specializations:
            out.extend(self.branches.get(spec.id, ()))
        return out

    def phase(self, phase_id: str) -> Phase | None:
        return next((p for p in self.phases if p.id == phase_id), None)

    def specialization(self, spec_id: str) -> Specialization | None:
        return next((s for s in self.specializations if s.id == spec_id), None)

    def find_week(self, number: int, specialization: str | None = None) -> Week | None:
        pool = self.branches.get(specialization, ()) if specialization else self.weeks
        return next((w for w in pool if w.week == number), None)

    def topics(self) -> dict[str, tuple[Week, Topic]]:
        return {t.id: (w, t) for w in self.all_weeks() for t in w.topics}

    def roadmap_for(self, week: Week) -> str:
        """The roadmap a bare slug in ``week`` refers to."""
        spec = self.specialization(week.specialization) if week.specialization else None
        return (spec.roadmap if spec and spec.roadmap else None) or self.roadmap


def split_ref(ref: str, default: str) -> tuple[str, str]:
    """A topic's roadmap reference: ``api-design:rate-limiting`` -> (api-design, rate-limiting).

    A bare slug belongs to ``default``."""
    roadmap, sep, slug = ref.rpartition(":")
    return (roadmap, slug) if sep else (default, ref)
