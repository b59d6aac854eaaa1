"""``learnpath progress|mark|quiz|export|import|reset``: progress for scripts and habits."""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from learnpath.errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from learnpath.models import Track, Week
    from learnpath.progress import QuizResult


class ReportFormat(enum.StrEnum):
    text = "text"
    json = "json"


class StatusArg(enum.StrEnum):
    done = "done"
    in_progress = "in-progress"
    skipped = "skipped"
    todo = "todo"


TrackArg = Annotated[
    str | None, typer.Argument(help="Track (default: yours, or backend).", show_default=False)
]
TrackOpt = Annotated[
    str | None, typer.Option("--track", "-t", help="Track (default: yours, or backend).")
]
SpecOpt = Annotated[
    str | None,
    typer.Option("--specialization", "-s", help="Branch of a specialization week (weeks 37-48)."),
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")]


def _track(track_id: str | None) -> Track:
    from learnpath import curriculum, progress

    return curriculum.load_track(track_id or progress.default_track())


# -- progress ----------------------------------------------------------------------------------


def progress_cmd(
    track: TrackArg = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="text, or json for scripts.")
    ] = ReportFormat.text,
    debug: DebugOpt = False,
) -> None:
    """Your progress: status per phase, week and topic, quiz scores, exercises, streak."""
    from learnpath import progress

    data = progress.report(_track(track))
    if fmt is ReportFormat.json:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    sys.stdout.write(render_report(data))


def render_report(data: dict) -> str:
    """The text view of ``learnpath progress`` (plain text: fine in pipes and logs)."""
    from learnpath.cli.output import GLYPHS, bar

    out = [f"{data['title']} ({data['track']}) — {data['percent']:g}% done"]
    days = data["streak"]
    out.append(
        f"Streak: {days} day{'s' * (days != 1)} · {data['events']} recorded event"
        f"{'s' * (data['events'] != 1)}"
    )
    if data["pace"]:
        out.append(f"Pace: {data['pace']['message']} ({data['pace']['explanation']})")
    out.append("")
    out.append(f"Activity (events per week, last {len(data['activity'])} weeks)")
    peak = max([a["events"] for a in data["activity"]] + [1])
    for a in data["activity"]:
        n = a["events"]
        cells = round(30 * n / peak) if n else 0
        out.append(f"  {a['week_of']} {'▇' * cells or '·'} {n}")
    out.append("")

    def weeks(ws: list[dict]) -> None:
        for w in ws:
            strip = "".join(GLYPHS[t["status"]] for t in w["topics"])
            quiz = w["quiz"]
            qtxt = f"  quiz {quiz['last']} (best {quiz['best']:g}%)" if quiz.get("attempts") else ""
            out.append(
                f"  {GLYPHS[w['status']]} Week {w['week']:>2} {w['title'][:52]:<52} {strip}{qtxt}"
            )
            if w["status"] == "in-progress":
                for t in w["topics"]:
                    out.append(f"        {GLYPHS[t['status']]} {t['title']} ({t['id']})")

    for p in data["phases"]:
        first, last = p["weeks_range"]
        out.append(f"{p['title']} (weeks {first}-{last})  {bar(p['percent'])} {p['percent']:g}%")
        weeks(p["weeks"])
    for s in data["specializations"]:
        if data["specialization"] and not s["chosen"]:
            continue
        mark = " (your choice)" if s["chosen"] else ""
        out.append(f"Specialization {s['title']}{mark}  {bar(s['percent'])} {s['percent']:g}%")
        if s["chosen"] or any(w["status"] != "todo" for w in s["weeks"]):
            weeks(s["weeks"])
    out.extend(render_projects(data.get("projects") or []))
    with_project = {p["exercise"] for p in data.get("projects") or []}
    legacy = [ex for ex in data["exercises"] if ex["exercise"] not in with_project]
    if legacy:
        out.append("")
        out.append("Exercises graded before projects were tracked")
        for ex in legacy:
            last = ex["last_attempt"]
            nxt = ex["current_stage"] or "all stages passed"
            out.append(
                f"  {ex['exercise']}: {ex['attempts']} attempt{'s' * (ex['attempts'] != 1)}, "
                f"last {last['status']} ({last['stack'] or '-'}, {last['finished_at']}), "
                f"{len(ex['passed_stages'])} stage(s) passed, next: {nxt}"
            )
            for st in last["stages"]:
                if st["status"] in ("fail", "error") and st["message"]:
                    out.append(f"      {st['status']:<5} {st['stage']} — {st['message']}")
    for msg in data["orphan_messages"]:
        out.append(f"Note: {msg}")
    return "\n".join(out) + "\n"


def render_projects(projects: list[dict]) -> list[str]:
    """Per project: "5/16 stages passed", where it is, and each stage's best result so far."""
    if not projects:
        return []
    out = ["", "Projects"]
    for p in projects:
        out.append(f"  {p['exercise']} ({p['stack'] or '-'}) in {p['folder']}")
        done = len(p["passed"])
        nxt = (
            f"next: stage {p['current_index']}, {p['current_title']}"
            if p["current_stage"]
            else "all stages passed"
        )
        last = p["last_grade"]
        graded = f"last grade {last['status']} {last['finished_at']}" if last else "not graded yet"
        out.append(f"    {done}/{p['stages_total']} stages passed · {nxt} · {graded}")
        for st in p["stages"]:
            if st["status"] != "todo":
                out.append(f"      {st['status']:<5} {st['stage']} ({st['title']})")
    return out


# -- exercises ---------------------------------------------------------------------------------


def exercises_data() -> list[dict]:
    """Every exercise: status, weeks, stacks, and the learner's projects of it."""
    from learnpath import exercises, progress

    mine: dict[str, list[dict]] = {}
    for p in progress.projects():
        mine.setdefault(p["exercise"], []).append(p)
    return [
        {
            "id": ex.id,
            "title": ex.title,
            "status": ex.status,
            "level": ex.level,
            "weeks": list(ex.weeks),
            "stacks": list(ex.stacks),
            "stages": len(ex.stages),
            "projects": [
                {
                    "id": p["id"],
                    "stack": p["stack"],
                    "folder": p["folder"],
                    "stage": p["current_index"],
                    "stages_total": p["stages_total"],
                    "passed": len(p["passed"]),
                    "last_grade": p["last_grade"],
                }
                for p in mine.get(ex.id, [])
            ],
        }
        for ex in sorted(exercises.load_all().values(), key=lambda e: (min(e.weeks or (99,)), e.id))
    ]


def exercises_cmd(
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="text, or json for scripts.")
    ] = ReportFormat.text,
    debug: DebugOpt = False,
) -> None:
    """Every exercise: ready or planned, its weeks and stacks, and your projects of it."""
    data = exercises_data()
    if fmt is ReportFormat.json:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    sys.stdout.write(render_exercises(data))


def render_exercises(data: list[dict]) -> str:
    """The text view of ``learnpath exercises``."""
    out: list[str] = []
    for ex in data:
        weeks = _week_span(ex["weeks"])
        stacks = ", ".join(ex["stacks"]) or "no starter yet"
        out.append(f"{ex['id']:<20} {ex['status']:<8} {weeks:<12} {stacks}")
        for p in ex["projects"]:
            where = f"{p['stack'] or '-'} in {p['folder']}"
            if p["stage"] is None:
                at = f"all {p['stages_total']} stages passed"
            else:
                at = f"stage {p['stage']}/{p['stages_total']}"
            last = p["last_grade"]
            graded = f"last grade {last['status']}" if last else "not graded yet"
            out.append(f"    {where}: {at}, {graded}")
    ready = sum(ex["status"] == "ready" for ex in data)
    out.append("")
    out.append(f"{ready} ready, {len(data) - ready} planned. Start one: learnpath start EXERCISE")
    return "\n".join(out) + "\n"


def _week_span(weeks: list[int]) -> str:
    if not weeks:
        return "-"
    lo, hi = min(weeks), max(weeks)
    return f"week {lo}" if lo == hi else f"weeks {lo}-{hi}"


# -- mark --------------------------------------------------------------------------------------


def mark_cmd(
    item: Annotated[str, typer.Argument(help="week:N, or a topic id (see explore-roadmap).")],
    status: Annotated[StatusArg, typer.Argument(help="done, in-progress, skipped or todo.")],
    track: TrackOpt = None,
    specialization: SpecOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Mark a week or a topic done, in progress, skipped, or back to todo."""
    from learnpath import progress

    t = _track(track)
    marked = progress.mark(t, item, status.value, specialization=specialization)
    sys.stdout.write(f"{marked.label}: {marked.status}\n")
    if marked.specialization_chosen:
        sys.stdout.write(f"(your specialization is now {marked.specialization_chosen})\n")


# -- quiz --------------------------------------------------------------------------------------


def quiz_cmd(
    week: Annotated[int, typer.Argument(help="Week number.", min=1)],
    specialization: SpecOpt = None,
    track: TrackOpt = None,
    answers: Annotated[
        str | None,
        typer.Option(
            "--answers",
            help='Answer without prompts: 1-based choices, ";" between questions, "," within '
            'one (e.g. "2;1,3;1").',
        ),
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Take a week's knowledge check: scored, explained, and stored."""
    from learnpath import progress
    from learnpath.cli.output import console

    t = _track(track)
    w = progress.find_week(t, week, specialization)
    out = console()
    if answers is None and not sys.stdin.isatty():
        answers = sys.stdin.read()  # one line per question: scriptable without --answers
    result = take_quiz(out, t, w, answers)
    if result is None:
        raise typer.Exit(1)


def take_quiz(out: Console, t: Track, w: Week, answers: str | None = None) -> QuizResult | None:
    """Ask (or take from ``answers``), score, store and explain a knowledge check."""
    from rich.markup import escape
    from rich.prompt import Prompt

    from learnpath import progress

    qs = list(w.quiz)
    out.print(f"[bold]Knowledge check — Week {w.week}: {escape(w.title)}[/] ({len(qs)} questions)")
    if answers is not None:
        chosen = progress.parse_answers(answers, qs)
    else:
        chosen = {}
        for i, q in enumerate(qs, 1):
            out.print()
            out.print(f"[bold]{i}. {escape(q.question)}[/]")
            for j, c in enumerate(q.choices, 1):
                out.print(f"   {j}) {escape(c.text)}")
            hint = "one number" if q.kind == "single" else "numbers separated by commas"
            while True:
                try:
                    raw = Prompt.ask(f"Your answer ({hint})", console=out)
                except EOFError:
                    out.print("[yellow]Knowledge check abandoned: nothing was stored.[/]")
                    return None
                try:
                    chosen[q.id] = progress.parse_choice(raw, q, i)
                    break
                except UsageError as exc:
                    out.print(f"[red]{escape(str(exc))}[/]")
    result = progress.record_quiz(t, w, chosen)
    show_quiz_result(out, w, result)
    return result


def show_quiz_result(out: Console, w: Week, result: QuizResult) -> None:
    from rich.markup import escape

    out.print()
    by_id = {q.id: q for q in w.quiz}
    for i, row in enumerate(result.questions, 1):
        q = by_id[row["id"]]
        mark = "[green]✓[/]" if row["ok"] else "[red]✗[/]"
        yours = ", ".join(q.choices[c].text for c in row["chosen"]) or "no answer"
        out.print(f"{mark} {i}. {escape(q.question)}")
        out.print(f"     your answer: {escape(yours)}")
        if not row["ok"]:
            right = ", ".join(q.choices[c].text for c in row["correct"])
            out.print(f"     correct: {escape(right)}")
        out.print(f"     [dim]{escape(row['explanation'])}[/]")
    verdict = "[green]passed[/]" if result.passed else "[yellow]not passed yet (70% needed)[/]"
    out.print(f"\nScore: {result.score}/{result.total} — {verdict}. Attempt stored.")


# -- export / import / reset -------------------------------------------------------------------


def export_cmd(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Export all your progress as versioned JSON (a backup, or to move machines)."""
    from learnpath import progress
    from learnpath.cli.output import write_text

    doc = progress.export_data()
    write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", output)


def import_cmd(
    file: Annotated[
        Path, typer.Argument(help="A file written by 'learnpath export' ('-': stdin).")
    ],
    debug: DebugOpt = False,
) -> None:
    """Merge an export into your progress (newer changes win; importing twice is harmless)."""
    from learnpath import progress

    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror or exc}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{file} is not JSON ({exc.msg} at line {exc.lineno})") from None
    counts = progress.import_data(doc, str(file))
    changed = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items() if n)
    sys.stdout.write(f"imported {file}: {changed or 'nothing new (already up to date)'}\n")


def reset_cmd(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Really delete all progress.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Delete all your progress (a JSON backup is written first)."""
    from learnpath import progress

    if not yes:
        raise UsageError(
            "this deletes all your progress; run 'learnpath reset --yes' (a backup "
            "export is written first)"
        )
    backup = progress.reset()
    if backup is None:
        sys.stdout.write("nothing to reset: no progress recorded yet\n")
        return
    sys.stdout.write(
        f"all progress deleted; a backup is in {backup} "
        f"(learnpath import {backup} brings it back)\n"
    )
