"""The interactive home: a small keyboard-driven loop of Rich prompts on top of the dashboard.

One letter (then Enter) per action; every screen says which letters it takes. Rich prompts
(rather than a full-screen app) keep the terminal's scrollback, work over ssh and in any
terminal, and are easy to drive from a test (pexpect: keys in, screen out).

Every screen is planned to fit the terminal (80x24 included): its lines are cut to the width,
never wrapped, so the top never scrolls away; what is longer than a screen (the roadmap, a
week in full) goes through a pager; each action ends with a one-line confirmation.
"""

from __future__ import annotations

import datetime as dt
import webbrowser
from typing import TYPE_CHECKING

from learnpath import store
from learnpath.cli.dashboard import compact_dashboard
from learnpath.cli.output import console, glyph, page
from learnpath.cli.output import markup_escape as escape
from learnpath.errors import LearnpathError
from learnpath.progress import enrollment, marks, projects
from learnpath.progress.dashboard import dashboard
from learnpath.progress.repository import Repository

if TYPE_CHECKING:
    from rich.console import Console

    from learnpath.models import Track, Week

MAIN_MENU = (
    "[bold]w[/] open a week · [bold]k[/] knowledge check · [bold]c[/] specialization · "
    "[bold]r[/] roadmap · [bold]q[/] quit"
)
WEEK_MENU = (
    "Mark: [bold]t[/] a topic · [bold]d[/] week done · [bold]i[/] in progress · "
    "[bold]s[/] skipped · [bold]u[/] todo",
    "[bold]k[/] knowledge check · [bold]o[/] open a resource · [bold]v[/] view all · "
    "[bold]b[/] back",
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


def _lines(out: Console, lines: list[str]) -> None:
    """Markup lines cut to the terminal's width: one screen line each, so the screen is planned."""
    from rich.text import Text

    for line in lines:
        out.print(Text.from_markup(line), no_wrap=True, overflow="ellipsis", crop=True)


def _notice(out: Console, notice: str) -> None:
    """The confirmation of the last action, above the keys (wrapped: it may hold a URL)."""
    if notice:
        out.print(notice)


def _height(out: Console, notice: str) -> int:
    """How many lines ``notice`` takes on this terminal."""
    from rich.text import Text

    return len(out.render_lines(Text.from_markup(notice), out.options, pad=False)) if notice else 0


def run_home(track: Track) -> None:
    """Onboard on the first run, then loop: dashboard, one key, an action."""
    out = console()
    try:
        if enrollment.enrollment(Repository(store.reader()), track.id) is None:
            onboarding(out, track)
        # Onboarded: the database exists, and every action below may write to it.
        repo = Repository(store.writer())
        notice = ""
        while True:
            data = dashboard(repo, track)
            out.clear()
            # The legend, the notice and the prompt stay on screen below the dashboard.
            room = out.size.height - 3 - _height(out, notice)
            _lines(out, compact_dashboard(data, room))
            _notice(out, notice)
            out.print(MAIN_MENU)
            key = _ask(out, "Your choice", ["w", "k", "c", "r", "q"], default="w")
            if key == "q":
                raise _Quit
            notice = _main_action(out, repo, track, key, data)
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
    enrollment.enroll(
        Repository(store.writer()), track.id, pace_hours=hours, stack=stack, started_on=start
    )
    out.print(f"[green]You are set: {hours:g} h/week, {stack}, from {start}.[/]")


def _main_action(out: Console, repo: Repository, track: Track, key: str, data: dict) -> str:
    """Do what ``key`` asks; the confirmation to show on the next screen ("" for none)."""
    try:
        if key == "w":
            cw = data["current_week"]
            default = str(cw["week"]) if cw else "1"
            raw = _ask(out, "Week number", default=default)
            try:
                number = int(raw)
            except ValueError:
                return f"[red]'{escape(raw)}' is not a week number.[/]"
            spec = cw["specialization"] if cw and cw["week"] == number else None
            chosen = enrollment.chosen_specialization(repo, track)
            week = marks.find_week(track, number, spec, chosen=chosen)
            return week_screen(out, repo, track, week)
        if key == "k":
            if data["current_week"] is None:
                return "There is no current week: choose a specialization first (c)."
            cw = data["current_week"]
            week = marks.find_week(track, cw["week"], cw["specialization"])
            return _quiz(out, repo, track, week)
        if key == "c":
            return choose_specialization(out, repo, track)
        if key == "r":
            from rich.text import Text

            from learnpath.cli.tree import roadmap_lines

            lines = roadmap_lines(
                track,
                marks.overlay_for(repo, track),
                chosen=enrollment.chosen_specialization(repo, track),
            )
            # Tree lines are cut to the width; the footer (advice) wraps, never cut.
            out.clear()
            texts = [Text.from_markup(line) for line in lines]
            if not page(out, texts, cut=len(texts) - 1):
                _pause(out)
            return ""
    except LearnpathError as exc:
        return f"[red]{escape(str(exc))}[/]"
    return ""


def _pause(out: Console, message: str = "") -> None:
    if message:
        out.print(message)
    _ask(out, "Press Enter to go back", default="")


def _quiz(out: Console, repo: Repository, track: Track, week: Week) -> str:
    from learnpath.cli.progress_cmds import take_quiz

    out.clear()
    result = take_quiz(out, repo, track, week)
    _pause(out)
    if result is None:
        return ""
    return f"Knowledge check of week {week.week} recorded: {result.score}/{result.total}"


def choose_specialization(out: Console, repo: Repository, track: Track) -> str:
    """Pick the specialization branch; the confirmation line ("" when nothing changed)."""
    current = enrollment.chosen_specialization(repo, track)
    out.print("[bold]Specializations[/] (the last phase of the track)")
    for i, s in enumerate(track.specializations, 1):
        mine = " [green](your choice)[/]" if s.id == current else ""
        out.print(f"  {i}) [bold]{escape(s.title)}[/]{mine} — {escape(s.summary)}")
    choices = [str(i) for i in range(1, len(track.specializations) + 1)] + ["b"]
    raw = _ask(out, "Choose a number, or b to go back", choices, default="b")
    if raw == "b":
        return ""
    spec = track.specializations[int(raw) - 1]
    enrollment.choose_specialization(repo, track, spec.id)
    return f"[green]Your specialization: {escape(spec.title)}.[/]"


def _exercise_notes(repo: Repository, week: Week) -> dict[str, str]:
    """Where the learner is in each exercise of ``week``, for the week view."""
    notes = {}
    for e in week.exercises:
        st = projects.exercise_state(repo, e, definition_order=False)
        notes[e] = (
            f"next stage {st['current_stage'] or '(all passed)'}"
            if st["attempts"]
            else f"learnpath start {e}"
        )
    return notes


def _week_summary(repo: Repository, track: Track, week: Week, room: int) -> list[str]:
    """The week in ``room`` lines: what the keys need (numbered topics), the rest behind ``v``."""
    overlay = marks.overlay_for(repo, track)
    status = overlay.week(week)
    branch = f" · {escape(week.specialization)}" if week.specialization else ""
    lines = [
        f"[bold]Week {week.week}: {escape(week.title)}[/]{branch}",
        f"{glyph(status)} {status} · about {week.hours:g} h · {escape(week.summary)}",
        "[bold]Topics[/]",
    ]
    for i, t in enumerate(week.topics, 1):
        lines.append(f"  {i}) {glyph(overlay.topic(week, t.id))} {escape(t.title)} [dim]{t.id}[/]")
    for e, note in _exercise_notes(repo, week).items():
        lines.append(f"[bold]Exercise[/] {escape(e)} [dim]({escape(note)})[/]")
    objectives = ["[bold]Objectives[/]", *(f"  • {escape(o)}" for o in week.objectives)]
    more = f"[dim]{len(week.resources)} resources · press v to read the whole week[/]"
    if len(lines) + len(objectives) + 1 <= room:
        return [*lines, *objectives, more]
    return [*lines, f"[dim]{len(week.objectives)} objectives, {more[5:]}"]


def _week_parts(out: Console, repo: Repository, track: Track, week: Week) -> list:
    from learnpath.cli import views

    return views.week_parts(
        track, week, marks.overlay_for(repo, track), _exercise_notes(repo, week), width=out.width
    )


def week_screen(out: Console, repo: Repository, track: Track, week: Week) -> str:
    """One week and the keys to act on it; the confirmation to show back on the home.

    The full week (``views.week_parts``, exactly what ``explore-roadmap --week N`` shows) is
    printed when it fits the terminal; otherwise a one-screen summary is, and ``v`` pages the
    full week.
    """
    from rich.console import Group

    notice = ""
    while True:
        out.clear()
        room = out.size.height - len(WEEK_MENU) - 2 - _height(out, notice)
        full = Group(*_week_parts(out, repo, track, week))
        if len(out.render_lines(full, out.options, pad=False)) <= room:
            out.print(full)
        else:
            _lines(out, _week_summary(repo, track, week, room)[:room])
        _notice(out, notice)
        for line in WEEK_MENU:
            out.print(line)
        key = _ask(out, "Your choice", ["t", "d", "s", "i", "u", "k", "o", "v", "b"], default="b")
        notice = ""
        if key == "b":
            return ""
        if key in ("d", "s", "i", "u"):
            status = {"d": "done", "s": "skipped", "i": "in-progress", "u": "todo"}[key]
            marks.set_status(repo, track, "week", week.id, status, week=week)
            notice = f"[green]Marked week {week.week} {status}.[/]"
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
            marks.set_status(repo, track, "topic", topic.id, TOPIC_STATUS[st], week=week)
            notice = f"[green]Marked topic {escape(topic.title)} {TOPIC_STATUS[st]}.[/]"
        elif key == "k":
            notice = _quiz(out, repo, track, week)
        elif key == "v":
            out.clear()
            if not page(out, _week_parts(out, repo, track, week)):
                _pause(out)
        elif key == "o":
            notice = _open_resource(out, week)


def _open_resource(out: Console, week: Week) -> str:
    from learnpath.cli.views import ordered_resources

    resources = ordered_resources(week)
    _lines(
        out,
        [f"  {i}) {escape(r.title)} [dim]({r.type})[/]" for i, r in enumerate(resources, 1)],
    )
    numbers = [str(i) for i in range(1, len(resources) + 1)]
    n = _ask(out, "Resource number", numbers)
    url = resources[int(n) - 1].url
    opened = False
    try:
        opened = webbrowser.open(url)
    except webbrowser.Error:
        opened = False
    note = "opened in your browser" if opened else "copy it into your browser"
    return f"{escape(url)}  [dim]({note})[/]"
