"""The roadmap tree as lines of Rich markup, built without importing Rich.

Rendering ~500 nodes with ``rich.tree.Tree`` costs more than the rest of the command, so the
tree is laid out here; :func:`learnpath.cli.output.print_markup` prints it plainly when the
output is not a terminal and through Rich (colours, clipping) when it is.
"""

from __future__ import annotations

from collections.abc import Mapping

from learnpath.cli.output import glyph, markup_escape
from learnpath.models import Track, Week
from learnpath.status import Overlay

Node = tuple[str, list["Node"]]


def _pct(value: float) -> str:
    style = "green" if value >= 100 else "yellow" if value > 0 else "dim"
    return f"[{style}]{value:g}%[/]"


def _exercise_tags(w: Week, statuses: Mapping[str, str] | None) -> str:
    """Each exercise of ``w``: graded now (green) or still planned (dim); none when the
    statuses are not known."""
    if statuses is None:
        return ""
    tags = [
        f"[green]graded: {markup_escape(x)}[/]"
        if statuses.get(x) == "ready"
        else f"[dim]{markup_escape(x)}: exercise coming[/]"
        for x in w.exercises
    ]
    return "".join(f" · {t}" for t in tags)


def _weeks(
    weeks: list[Week], overlay: Overlay, topics: bool, statuses: Mapping[str, str] | None
) -> list[Node]:
    out: list[Node] = []
    for w in weeks:
        children: list[Node] = []
        if topics:
            children = [
                (f"{glyph(overlay.topic(w, t.id))} {markup_escape(t.title)} [dim]{t.id}[/]", [])
                for t in w.topics
            ]
        label = (
            f"{glyph(overlay.week(w))} [bold]Week {w.week:>2}[/] {markup_escape(w.title)} "
            f"[dim]({w.hours:g} h)[/]{_exercise_tags(w, statuses)}"
        )
        out.append((label, children))
    return out


def roadmap_lines(
    track: Track,
    overlay: Overlay,
    *,
    phase: str | None = None,
    specialization: str | None = None,
    chosen: str | None = None,
    exercises: Mapping[str, str] | None = None,
) -> list[str]:
    """The tree, one line each; ``exercises`` maps exercise ids to ``ready`` or ``planned``."""
    statuses = exercises
    nodes: list[Node] = []
    for p in track.phases:
        if phase and p.id != phase:
            continue
        if specialization and p.id != track.specializations_phase:
            continue
        head = f"[bold cyan]{markup_escape(p.title)}[/] [dim]weeks {p.first}-{p.last}[/]"
        if p.id == track.specializations_phase:
            branches: list[Node] = []
            for s in track.specializations:
                if specialization and s.id != specialization:
                    continue
                weeks = list(track.branches.get(s.id, ()))
                mark = " [green](your path)[/]" if s.id == chosen else ""
                label = (
                    f"[bold]{markup_escape(s.title)}[/] [dim]{s.id}[/] — "
                    f"{_pct(overlay.percent(weeks))}{mark}"
                )
                show_topics = bool(specialization) or s.id == chosen
                branches.append((label, _weeks(weeks, overlay, show_topics, statuses)))
            nodes.append((head, branches))
            continue
        weeks = [w for w in track.weeks if p.holds(w.week)]
        nodes.append(
            (f"{head} — {_pct(overlay.percent(weeks))}", _weeks(weeks, overlay, True, statuses))
        )
    title = (
        f"[bold]{markup_escape(track.title)}[/] [dim]({track.id})[/] — "
        f"{_pct(overlay.percent(track.weeks))} of the main path done"
    )
    lines = [title]
    _layout(nodes, "", lines)
    if not specialization:
        lines.append(
            "[dim]Topics of a branch: --specialization "
            + "|".join(s.id for s in track.specializations)
            + " · one week in detail: --week N[/]"
        )
    return lines


def _layout(nodes: list[Node], prefix: str, lines: list[str]) -> None:
    for i, (label, children) in enumerate(nodes):
        last = i == len(nodes) - 1
        lines.append(f"{prefix}[dim]{'└── ' if last else '├── '}[/]{label}")
        _layout(children, prefix + ("    " if last else "[dim]│[/]   "), lines)
