"""Rich renderings of the roadmap: the tree, one week in detail, search results."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from learnpath.cli.output import glyph
from learnpath.cli.output import markup_escape as escape
from learnpath.export import NO_GRADED_EXERCISE, exercise_label, exercise_statuses
from learnpath.models import RESOURCE_TYPES, Resource, Track, Week
from learnpath.status import Overlay


def _pct(value: float) -> str:
    style = "green" if value >= 100 else "yellow" if value > 0 else "dim"
    return f"[{style}]{value:g}%[/]"


def _bullets(items) -> Table:
    """A bulleted list whose wrapped lines hang under the text, not under the bullet."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=3, justify="right")
    grid.add_column()
    for item in items:
        grid.add_row("•", Text(item))
    return grid


def ordered_resources(w: Week) -> list[Resource]:
    """A week's resources in the order shown (official docs first); the home's numbers."""
    rank = {kind: i for i, kind in enumerate(RESOURCE_TYPES)}
    return sorted(w.resources, key=lambda r: rank.get(r.type, len(rank)))


def week_parts(
    track: Track,
    w: Week,
    overlay: Overlay,
    exercise_notes: Mapping[str, str] | None = None,
    *,
    width: int = 100,
) -> list:
    """One week in detail, as renderables: the only rendering of a week.

    ``explore-roadmap --week N`` and the interactive home's week screen both show this; topics
    and resources are numbered because the home's keys (``t``, ``o``) ask for those numbers.
    ``exercise_notes`` says where the learner is in each exercise (default: how to start it).
    Narrower than 110 columns, the roadmap.sh column is left out so topic ids stay whole.
    """
    wide = width >= 110
    where = track.phase(w.phase)
    spec = track.specialization(w.specialization) if w.specialization else None
    subtitle = where.title if where else w.phase
    if spec:
        subtitle += f" · {spec.title}"
    head = Text.from_markup(
        f"{glyph(overlay.week(w))} {overlay.week(w)} · about {w.hours:g} h · "
        f"{len(w.quiz)} knowledge-check questions · id [bold]{w.id}[/]"
    )
    parts: list = [head, Text(w.summary, style="italic"), Text()]

    parts += [Text("Objectives", style="bold underline"), _bullets(w.objectives), Text()]

    topics = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    topics.add_column("#", justify="right")
    topics.add_column("", width=1)
    topics.add_column("Topic")
    topics.add_column("id", style="dim", no_wrap=True)
    if wide:
        topics.add_column("roadmap.sh", style="dim")
    for i, t in enumerate(w.topics, 1):
        row = [str(i), glyph(overlay.topic(w, t.id)), escape(t.title), t.id]
        topics.add_row(*row, *([escape(", ".join(t.roadmap))] if wide else []))
    parts += [Text("Topics", style="bold underline"), topics, Text()]

    resources = Table.grid(padding=(0, 1))
    resources.add_column(justify="right")
    resources.add_column(style="cyan", no_wrap=True)
    resources.add_column(overflow="fold")
    for i, r in enumerate(ordered_resources(w), 1):
        resources.add_row(
            f"{i})",
            r.type + (" [yellow]paid[/]" if r.cost == "paid" else ""),
            Text.from_markup(f"{escape(r.title)}\n[link={r.url}]{escape(r.url)}[/link]"),
        )
    parts += [Text("Resources", style="bold underline"), resources]
    parts.append(Text())
    parts += _exercise_parts(w, exercise_notes or {})
    if w.prerequisites:
        names = []
        weeks = {x.id: x for x in track.all_weeks()}
        topic_index = track.topics()
        for ref in w.prerequisites:
            if ref in weeks:
                names.append(f"week {weeks[ref].week}: {weeks[ref].title}")
            elif ref in topic_index:
                names.append(f"topic {topic_index[ref][1].title} (week {topic_index[ref][0].week})")
            else:
                names.append(ref)
        parts += [Text("Prerequisites", style="bold underline"), _bullets(names)]
    return [
        Panel(
            Group(*parts),
            title=f"[bold]Week {w.week}: {escape(w.title)}[/]",
            subtitle=escape(subtitle),
            expand=True,
        )
    ]


def _exercise_parts(w: Week, notes: Mapping[str, str]) -> list:
    """Each exercise of ``w`` with what it is: graded now (and how to go on) or coming."""
    statuses = exercise_statuses(w.exercises)
    parts: list = [Text("Exercises", style="bold underline")]
    spans = _stage_spans(w)
    for e in w.exercises:
        label = exercise_label(e, statuses[e], notes.get(e))
        style = "green" if statuses[e] == "ready" else "dim"
        span = f"  [dim]({escape(spans[e])})[/]" if spans.get(e) else ""
        parts.append(Text.from_markup(f"  • {escape(e)}  [{style}]{escape(label)}[/]{span}"))
    if "ready" not in statuses.values():
        parts.append(Text.from_markup(f"  [dim]{escape(NO_GRADED_EXERCISE)}[/]"))
    return [*parts, Text()]


def _stage_spans(w: Week) -> dict[str, str]:
    """Which stages of each ready exercise this week leads to (exercise id -> "stages 2-4: ...")."""
    from learnpath.content import exercises

    defs, _ = exercises.load_checked()
    return {e: exercises.stage_span(defs[e], w.week) for e in w.exercises if e in defs}


def week_detail(
    out: Console,
    track: Track,
    w: Week,
    overlay: Overlay,
    exercise_notes: Mapping[str, str] | None = None,
) -> None:
    """Print one week in detail, with the commands that act on it."""
    for part in week_parts(track, w, overlay, exercise_notes, width=out.width):
        out.print(part)
    out.print(
        f"[dim]Mark progress: learnpath mark week:{w.week} done · quiz: learnpath quiz {w.week}[/]"
    )


def search_results(
    out: Console, track: Track, hits: list[Week], text: str, overlay: Overlay
) -> None:
    if not hits:
        out.print(f"No week mentions '{escape(text)}'.")
        return
    table = Table(title=f"Weeks mentioning '{escape(text)}'", header_style="bold")
    table.add_column("", width=1)
    table.add_column("Week", justify="right")
    table.add_column("Branch")
    table.add_column("Title")
    table.add_column("Matching topics")
    needle = text.lower()
    for w in hits:
        topics = ", ".join(t.title for t in w.topics if needle in (t.title + t.id).lower())
        table.add_row(
            glyph(overlay.week(w)),
            str(w.week),
            w.specialization or w.phase,
            escape(w.title),
            escape(topics),
        )
    out.print(table)
