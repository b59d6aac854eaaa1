"""``explore-roadmap``: the plan as a tree, a week in detail, or an export."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from learnpath.errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from learnpath.models import Track, Week
    from learnpath.status import Overlay


class Format(enum.StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"


DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")]


def explore_roadmap(
    track: Annotated[str, typer.Argument(help="Track to show.")] = "backend",
    week: Annotated[
        int | None, typer.Option("--week", "-w", help="Show one week in detail.", min=1)
    ] = None,
    phase: Annotated[str | None, typer.Option("--phase", help="Only this phase.")] = None,
    specialization: Annotated[
        str | None,
        typer.Option("--specialization", "-s", help="A specialization branch (weeks 37-48)."),
    ] = None,
    search: Annotated[
        str | None, typer.Option("--search", help="Weeks mentioning this text.")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead.")
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """View the plan: phases, weeks and topics, with your status on each."""
    from learnpath import export
    from learnpath.cli.output import write_text
    from learnpath.content import curriculum

    t = curriculum.load_track(track)
    if phase and t.phase(phase) is None:
        raise UsageError(f"unknown phase '{phase}'; phases: {', '.join(p.id for p in t.phases)}")
    if specialization and t.specialization(specialization) is None:
        raise UsageError(
            f"unknown specialization '{specialization}'; specializations: "
            f"{', '.join(s.id for s in t.specializations)}"
        )
    overlay = _overlay(t)
    selected = _find_week(t, week, specialization) if week is not None else None
    hits = curriculum.search(t, search) if search else None

    if fmt is not Format.text:
        if selected is not None:
            data = export.week_dict(t, selected, overlay)
            _label_weeks(t, [data])
            if fmt is not Format.json:
                raise UsageError("--week works with --format text or json")
            write_text(export.to_json(data), output)
            return
        data = export.roadmap_dict(
            t,
            overlay,
            phase=phase,
            specialization=specialization,
            weeks=hits,
            chosen=_chosen_specialization(t),
        )
        _label_weeks(
            t, [w for part in (*data["phases"], *data["specializations"]) for w in part["weeks"]]
        )
        render = {
            Format.json: export.to_json,
            Format.markdown: export.to_markdown,
            Format.html: export.to_html,
        }[fmt]
        write_text(render(data), output)
        return

    if selected is None and hits is None:
        from learnpath.cli.output import plain, print_markup
        from learnpath.cli.tree import roadmap_lines

        lines = roadmap_lines(
            t,
            overlay,
            phase=phase,
            specialization=specialization,
            chosen=_chosen_specialization(t),
            exercises=export.exercise_statuses({x for w in t.all_weeks() for x in w.exercises}),
        )
        if output is not None:
            write_text("".join(plain(line) + "\n" for line in lines), output)
        else:
            # The footer is advice: it wraps rather than being cut at the terminal's edge.
            print_markup(lines, wrap_last=0 if specialization else 1)
        return

    from learnpath.cli import views
    from learnpath.cli.output import console

    out = _file_console(output) if output is not None else console()
    if selected is not None:
        views.week_detail(out, t, selected, overlay)
    else:
        views.search_results(out, t, hits or [], search or "", overlay)
    if output is not None:
        out.file.close()


def _label_weeks(t: Track, weeks: list[dict]) -> None:
    """Add what the exports show beside a week: each resource's cost (free or paid) and whether
    each exercise is graded now (``ready``) or still ``planned``."""
    from learnpath import export

    by_id = {w.id: w for w in t.all_weeks()}
    statuses = export.exercise_statuses({x for w in by_id.values() for x in w.exercises})
    for data in weeks:
        week = by_id[data["id"]]
        for res, r in zip(data["resources"], week.resources, strict=True):
            res["cost"] = r.cost
        data["exercise_status"] = {x: statuses[x] for x in week.exercises}


def _find_week(t: Track, number: int, specialization: str | None) -> Week:
    last = max(p.last for p in t.phases)
    if number > last:
        raise UsageError(f"week {number} does not exist; track '{t.id}' has weeks 1-{last}")
    spec_phase = t.phase(t.specializations_phase)
    in_spec = spec_phase is not None and spec_phase.holds(number)
    if in_spec and not specialization:
        specialization = _chosen_specialization(t)
        if not specialization:
            names = ", ".join(s.id for s in t.specializations)
            raise UsageError(
                f"week {number} belongs to a specialization; add --specialization ({names})"
            )
    found = t.find_week(number, specialization if in_spec else None)
    if found is None:
        raise UsageError(f"week {number} is not in this track")
    return found


def _overlay(t: Track) -> Overlay:
    """The learner's statuses, if the progress store has any for this track."""
    from learnpath import store
    from learnpath.progress.marks import overlay_for
    from learnpath.progress.repository import Repository

    return overlay_for(Repository(store.reader()), t)


def _chosen_specialization(t: Track) -> str | None:
    from learnpath import store
    from learnpath.progress.enrollment import chosen_specialization
    from learnpath.progress.repository import Repository

    return chosen_specialization(Repository(store.reader()), t)


def _file_console(output: Path) -> Console:
    from rich.console import Console

    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fh = output.open("w", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    return Console(file=fh, width=100, no_color=True, highlight=False)
