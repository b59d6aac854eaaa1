"""The interactive home: a small keyboard-driven loop of Rich prompts on top of the dashboard.

One letter (then Enter) per action; every screen says which letters it takes. Rich prompts
(rather than a full-screen app) keep the terminal's scrollback, work over ssh and in any
terminal, and are easy to drive from a test (pexpect: keys in, screen out).
"""

from __future__ import annotations

import datetime as dt
import webbrowser
from typing import TYPE_CHECKING

from learnpath import progress
from learnpath.cli.home import render_dashboard
from learnpath.cli.output import GLYPHS, console
from learnpath.errors import LearnpathError

if TYPE_CHECKING:
    from rich.console import Console

    from learnpath.models import Track, Week

MAIN_MENU = (
    "[bold]w[/] open a week · [bold]k[/] this week's knowledge check · "
    "[bold]c[/] choose a specialization · [bold]r[/] roadmap · [bold]q[/] quit"
)
WEEK_MENU = (
    "[bold]t[/] mark a topic · [bold]d[/] week done · [bold]s[/] skip week · "
    "[bold]i[/] in progress · [bold]u[/] undo (todo) · [bold]k[/] knowledge check · "
    "[bold]o[/] open a resource · [bold]b[/] back"
)
TOPIC_STATUS = {"d": "done", "i": "in-progress", "s": "skipped", "t": "todo"}


class _Quit(Exception):
    """End of input (Ctrl-D) or the learner pressed q."""


def _ask(
    out: Console, label: str, choices: list[str] | None = None, default: str | None = None
) -> str:
    """One answer; ``choices`` are validated (Rich asks again on anything else); Enter gives
    ``default`` (with no default, an answer is required)."""
    from rich.prompt import Prompt

    try:
        if default is None:
            answer = Prompt.ask(label, console=out, choices=choices, case_sensitive=False)
        else:
            answer = Prompt.ask(
                label,
                console=out,
                choices=choices,
                default=default,
                show_default=bool(default),
                case_sensitive=False,
            )
    except EOFError:
        raise _Quit from None
    return answer.strip().lower() if choices else answer.strip()


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def run_home(track: Track) -> None:
    """Onboard on the first run, then loop: dashboard, one key, an action."""
    from rich.panel import Panel
    from rich.text import Text

    out = console()
    try:
        if progress.enrollment(track.id) is None:
            onboarding(out, track)
        while True:
            data = progress.dashboard(track)
            out.clear()
            out.print(
                Panel(
                    Text(render_dashboard(data).rstrip()), title="learning-path", title_align="left"
                )
            )
            out.print(MAIN_MENU)
            key = _ask(out, "Your choice", ["w", "k", "c", "r", "q"], default="w")
            if key == "q":
                raise _Quit
            _main_action(out, track, key, data)
    except _Quit:
        out.print("See you soon. Your progress is saved.")
    except KeyboardInterrupt:
        out.print("\nSee you soon. Your progress is saved.")


def onboarding(out: Console, track: Track) -> None:
    """Three questions, each with a default (Enter accepts it)."""
    from rich.panel import Panel
    from rich.text import Text

    out.print(
        Panel(
            Text(
                f"Welcome to {track.title}!\n\nThree quick questions to plan your weeks. "
                "Press Enter to accept a default."
            ),
            title="learning-path",
            title_align="left",
        )
    )
    while True:
        raw = _ask(out, "How many hours a week can you spend?", default="10")
        try:
            hours = float(raw)
            if 1 <= hours <= 80:
                break
        except ValueError:
            pass
        out.print("[red]Please give a number of hours between 1 and 80.[/]")
    stack = _ask(out, "Preferred stack", ["python", "node", "java"], default="python")
    while True:
        start = _ask(out, "Start date (YYYY-MM-DD)", default=dt.date.today().isoformat())
        try:
            dt.date.fromisoformat(start)
            break
        except ValueError:
            out.print("[red]Please write the date like 2025-01-31.[/]")
    progress.enroll(track.id, pace_hours=hours, stack=stack, started_on=start)
    out.print(f"[green]You are set: {hours:g} h/week, {stack}, from {start}.[/]")


def _main_action(out: Console, track: Track, key: str, data: dict) -> None:
    try:
        if key == "w":
            cw = data["current_week"]
            default = str(cw["week"]) if cw else "1"
            raw = _ask(out, "Week number", default=default)
            try:
                number = int(raw)
            except ValueError:
                _pause(out, f"'{raw}' is not a week number.")
                return
            spec = cw["specialization"] if cw and cw["week"] == number else None
            week_screen(out, track, progress.find_week(track, number, spec))
        elif key == "k":
            if data["current_week"] is None:
                _pause(out, "There is no current week: choose a specialization first (c).")
                return
            cw = data["current_week"]
            week = progress.find_week(track, cw["week"], cw["specialization"])
            _quiz(out, track, week)
        elif key == "c":
            choose_specialization(out, track)
        elif key == "r":
            from learnpath.cli.roadmap import explore_roadmap

            out.clear()
            explore_roadmap(track.id)  # exactly what `explore-roadmap TRACK` shows
            _pause(out)
    except LearnpathError as exc:
        _pause(out, f"[red]{escape(str(exc))}[/]")


def _pause(out: Console, message: str = "") -> None:
    if message:
        out.print(message)
    _ask(out, "Press Enter to go back", default="")


def _quiz(out: Console, track: Track, week: Week) -> None:
    from learnpath.cli.progress_cmds import take_quiz

    out.clear()
    take_quiz(out, track, week)
    _pause(out)


def choose_specialization(out: Console, track: Track) -> None:
    current = progress.chosen_specialization(track)
    out.print("[bold]Specializations[/] (the last phase of the track)")
    for i, s in enumerate(track.specializations, 1):
        mine = " [green](your choice)[/]" if s.id == current else ""
        out.print(f"  {i}) [bold]{escape(s.title)}[/]{mine} — {escape(s.summary)}")
    choices = [str(i) for i in range(1, len(track.specializations) + 1)] + ["b"]
    raw = _ask(out, "Choose a number, or b to go back", choices, default="b")
    if raw == "b":
        return
    spec = track.specializations[int(raw) - 1]
    progress.choose_specialization(track, spec.id)
    _pause(out, f"[green]Your specialization: {escape(spec.title)}.[/]")


def _show_week(out: Console, track: Track, week: Week) -> None:
    from rich.panel import Panel

    overlay = progress.overlay_for(track)
    status = overlay.week(week)
    lines = [f"{GLYPHS[status]} {status} · about {week.hours:g} h · {escape(week.summary)}", ""]
    lines.append("[bold]Objectives[/]")
    lines += [f"  • {escape(o)}" for o in week.objectives]
    lines.append("[bold]Topics[/]")
    for i, t in enumerate(week.topics, 1):
        lines.append(f"  {i}) {GLYPHS[overlay.topic(week, t.id)]} {escape(t.title)} [dim]{t.id}[/]")
    lines.append("[bold]Resources[/]")
    for i, r in enumerate(week.resources, 1):
        lines.append(f"  {i}) {escape(r.title)} [dim]({r.type}) {escape(r.url)}[/]")
    if week.exercises:
        lines.append("[bold]Exercises[/]")
        for e in week.exercises:
            st = progress.exercise_state(e, definition_order=False)
            where = (
                f"next stage {st['current_stage']}" if st["attempts"] else f"learnpath start {e}"
            )
            lines.append(f"  • {e} [dim]({escape(str(where))})[/]")
    branch = f" · {week.specialization}" if week.specialization else ""
    out.print(
        Panel(
            "\n".join(lines),
            title=f"[bold]Week {week.week}: {escape(week.title)}[/]{branch}",
            title_align="left",
        )
    )


def week_screen(out: Console, track: Track, week: Week) -> None:
    """One week: its topics and resources, and the keys to act on them."""
    while True:
        out.clear()
        _show_week(out, track, week)
        out.print(WEEK_MENU)
        key = _ask(out, "Your choice", ["t", "d", "s", "i", "u", "k", "o", "b"], default="b")
        if key == "b":
            return
        if key in ("d", "s", "i", "u"):
            status = {"d": "done", "s": "skipped", "i": "in-progress", "u": "todo"}[key]
            progress.set_status(track, "week", week.id, status, week=week)
        elif key == "t":
            numbers = [str(i) for i in range(1, len(week.topics) + 1)]
            n = _ask(out, "Topic number", numbers)
            st = _ask(
                out,
                "Status: d done · i in progress · s skipped · t todo",
                list(TOPIC_STATUS),
                default="d",
            )
            topic = week.topics[int(n) - 1]
            progress.set_status(track, "topic", topic.id, TOPIC_STATUS[st], week=week)
        elif key == "k":
            _quiz(out, track, week)
        elif key == "o":
            numbers = [str(i) for i in range(1, len(week.resources) + 1)]
            n = _ask(out, "Resource number", numbers)
            url = week.resources[int(n) - 1].url
            opened = False
            try:
                opened = webbrowser.open(url)
            except webbrowser.Error:
                opened = False
            note = "opened in your browser" if opened else "copy it into your browser"
            _pause(out, f"{escape(url)}  [dim]({note})[/]")
