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

    from learnpath.models import Question, Track, Week
    from learnpath.progress.quiz import QuizResult
    from learnpath.progress.repository import Repository


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


def _reader() -> Repository:
    """The learner's progress for reading (no database yet: empty, and none is created)."""
    from learnpath import store
    from learnpath.progress.repository import Repository

    return Repository(store.reader())


def _writer() -> Repository:
    """The learner's progress for writing (the database is created if needed)."""
    from learnpath import store
    from learnpath.progress.repository import Repository

    return Repository(store.writer())


def _track(track_id: str | None, repo: Repository | None = None) -> Track:
    from learnpath.content import curriculum
    from learnpath.progress.enrollment import default_track

    return curriculum.load_track(track_id or default_track(repo or _reader()))


# -- progress ----------------------------------------------------------------------------------


def progress_cmd(
    track: TrackArg = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="text, or json for scripts.")
    ] = ReportFormat.text,
    debug: DebugOpt = False,
) -> None:
    """Your progress: status per phase, week and topic, quiz scores, exercises, streak, and how
    long the whole plan takes at your pace."""
    from learnpath.cli.next_steps import worded_report
    from learnpath.progress.dashboard import report

    repo = _reader()
    data = worded_report(report(repo, _track(track, repo)))
    if fmt is ReportFormat.json:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    sys.stdout.write(render_report(data))


def render_report(data: dict) -> str:
    """The text view of ``learnpath progress`` (plain text: fine in pipes and logs)."""
    from learnpath.cli.next_steps import plan_line
    from learnpath.cli.output import GLYPHS, bar

    out = [f"{data['title']} ({data['track']}) — {data['percent']:g}% done"]
    days = data["streak"]
    out.append(
        f"Streak: {days} day{'s' * (days != 1)} · {data['events']} recorded event"
        f"{'s' * (data['events'] != 1)}"
    )
    if data["pace"]:
        out.append(f"Pace: {data['pace']['message']} ({data['pace']['explanation']})")
    out.append(f"Plan: {plan_line(data['plan'])}")
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
    from learnpath.content import exercises
    from learnpath.progress.projects import projects

    mine: dict[str, list[dict]] = {}
    for p in projects(_reader()):
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
    from learnpath.progress.enrollment import chosen_specialization
    from learnpath.progress.marks import mark, resolve_item

    repo = _reader()
    t = _track(track, repo)
    # An unknown item is reported before anything is created.
    resolve_item(t, item, specialization, chosen=chosen_specialization(repo, t))
    marked = mark(_writer(), t, item, status.value, specialization=specialization)
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
            help='Answer without prompts: 1-based choices as shown, ";" between questions, '
            '"," within one (e.g. "2;1,3;1"). Without --seed they refer to the file order.',
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            min=0,
            help="The order of the choices: each attempt shuffles them with a seed (drawn when "
            "omitted, printed, and stored with the attempt). --show --seed N prints the "
            "questions in that order; --answers then answer it. 0 is the file order.",
        ),
    ] = None,
    show: Annotated[
        bool,
        typer.Option("--show", help="Print the questions (in --seed's order) and exit."),
    ] = False,
    review: Annotated[
        bool,
        typer.Option(
            "--review", help="Show your last attempt as you saw it: your answers, explained."
        ),
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Take a week's knowledge check: choices shuffled per attempt, scored, explained, stored.

    Prompts on a terminal. For scripts: 'learnpath quiz 3 --show' prints the questions in a
    freshly drawn order and its seed; 'learnpath quiz 3 --seed N --answers "2;1,3"' answers that
    order. Answers piped on stdin (one line per question) work like --answers.
    """
    from learnpath.cli.output import console
    from learnpath.progress import quiz
    from learnpath.progress.enrollment import chosen_specialization
    from learnpath.progress.marks import find_week

    repo = _reader()
    t = _track(track, repo)
    w = find_week(t, week, specialization, chosen=chosen_specialization(repo, t))
    out = console()
    if review:
        show_review(out, repo, t, w)
        return
    if show:
        show_questions(out, t, w, quiz.new_seed() if seed is None else seed)
        return
    if answers is None and not sys.stdin.isatty():
        answers = sys.stdin.read()  # one line per question: scriptable without --answers
    result = take_quiz(out, _writer(), t, w, answers, seed=seed)
    if result is None:
        raise typer.Exit(1)


def _seed_value(seed: int | None) -> int | None:
    """Seed 0 (or none) is the file order, stored as no seed."""
    return seed or None


def _question_lines(q: Question, order: list[int], number: int) -> list[str]:
    """A question and its choices, numbered in the order shown; never how many are right."""
    from rich.markup import escape

    lines = [f"[bold]{number}. {escape(q.question)}[/]"]
    if q.kind == "multiple":
        lines[0] += " [dim](choose all that apply)[/]"
    lines += [f"   {j}) {escape(q.choices[c].text)}" for j, c in enumerate(order, 1)]
    return lines


def show_questions(out: Console, t: Track, w: Week, seed: int) -> None:
    """The questions in the order ``seed`` shows, and how to answer them."""
    from rich.markup import escape

    from learnpath.progress import quiz
    from learnpath.progress.enrollment import DEFAULT_TRACK

    order = quiz.orders(w.quiz, _seed_value(seed))
    out.print(f"[bold]Knowledge check — Week {w.week}: {escape(w.title)}[/] (seed {seed})")
    for i, q in enumerate(w.quiz, 1):
        out.print()
        for line in _question_lines(q, order[q.id], i):
            out.print(line)
    out.print()
    spec = f" --specialization {w.specialization}" if w.specialization else ""
    spec += "" if t.id == DEFAULT_TRACK else f" --track {t.id}"
    out.print(
        f'Answer: learnpath quiz {w.week}{spec} --seed {seed} --answers "..." '
        '(";" between questions, "," within one)',
        markup=False,
        soft_wrap=True,
    )


def take_quiz(
    out: Console,
    repo: Repository,
    t: Track,
    w: Week,
    answers: str | None = None,
    *,
    seed: int | None = None,
) -> QuizResult | None:
    """Ask (or take from ``answers``), score, store and explain a knowledge check.

    Choices are shown in the order ``seed`` draws (0: file order; ``None``: a fresh seed when
    prompting, the file order for ``answers``), answers are mapped back to the file's choice
    indices before they are scored and stored.
    """
    import time

    from rich.markup import escape
    from rich.prompt import Prompt

    from learnpath.progress import quiz

    qs = list(w.quiz)
    if seed is None and answers is None:
        seed = quiz.new_seed()  # prompting: every attempt gets its own order
    seed = _seed_value(seed)
    order = quiz.orders(qs, seed)
    shuffled = f", choices shuffled: seed {seed}" if seed is not None else ""
    out.print(
        f"[bold]Knowledge check — Week {w.week}: {escape(w.title)}[/] "
        f"({len(qs)} questions{shuffled})"
    )
    if answers is not None:
        shown = quiz.parse_answers(answers, qs)
    else:
        shown = {}
        for i, q in enumerate(qs, 1):
            out.print()
            for line in _question_lines(q, order[q.id], i):
                out.print(line)
            while True:
                try:
                    raw = Prompt.ask(f"Your answer ({quiz.prompt_hint(q)})", console=out)
                except EOFError:
                    out.print("[yellow]Knowledge check abandoned: nothing was stored.[/]")
                    return None
                try:
                    shown[q.id] = quiz.parse_choice(raw, q, i)
                    break
                except UsageError as exc:
                    out.print(f"[red]{escape(str(exc))}[/]")
    chosen = quiz.to_canonical(shown, order)
    scored = quiz.score_quiz(w, chosen, seed)
    attempt_id = repo.add_quiz_attempt(
        t.id,
        w.id,
        score=scored.score,
        total=scored.total,
        answers=chosen,
        seed=seed,
        ts=time.time(),
    )
    result = quiz.QuizResult(
        scored.score, scored.total, scored.questions, attempt_id, seed, scored.orders
    )
    show_quiz_result(out, w, result)
    out.print("Attempt stored.")
    return result


def show_review(out: Console, repo: Repository, t: Track, w: Week) -> None:
    """The last attempt of ``w``'s check, its choices in the order the learner saw them."""
    import datetime as dt

    from learnpath.progress import quiz

    last = repo.last_quiz_attempt(t.id, w.id)
    if last is None:
        raise UsageError(f"no knowledge check of week {w.week} taken yet: learnpath quiz {w.week}")
    when = dt.datetime.fromtimestamp(last["taken_at"]).strftime("%Y-%m-%d %H:%M")
    order = "file order" if last["seed"] is None else f"seed {last['seed']}"
    out.print(f"[bold]Week {w.week}, attempt of {when}[/] (choices as shown: {order})")
    show_quiz_result(out, w, quiz.score_quiz(w, last["answers"], last["seed"]))


def show_quiz_result(out: Console, w: Week, result: QuizResult) -> None:
    """Each question with the choices numbered as shown, the learner's and the right ones."""
    from rich.markup import escape

    out.print()
    by_id = {q.id: q for q in w.quiz}
    for i, row in enumerate(result.questions, 1):
        q = by_id[row["id"]]
        shown = {c: n for n, c in enumerate(row["order"], 1)}

        def named(indices: list[int], q: Question = q, shown: dict[int, int] = shown) -> str:
            picks = sorted(indices, key=shown.__getitem__)
            return "; ".join(f"{shown[c]}) {q.choices[c].text}" for c in picks)

        mark = "[green]✓[/]" if row["ok"] else "[red]✗[/]"
        out.print(f"{mark} {i}. {escape(q.question)}")
        out.print(f"     your answer: {escape(named(row['chosen']) or 'no answer')}")
        if not row["ok"]:
            out.print(f"     correct: {escape(named(row['correct']))}")
        out.print(f"     [dim]{escape(row['explanation'])}[/]")
    verdict = "[green]passed[/]" if result.passed else "[yellow]not passed yet (70% needed)[/]"
    out.print(f"\nScore: {result.score}/{result.total} — {verdict}.")


# -- export / import / reset -------------------------------------------------------------------


def export_cmd(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Export all your progress as versioned JSON (a backup, or to move machines)."""
    from learnpath.cli.output import write_text
    from learnpath.progress.transfer import export_data

    doc = export_data(_reader())
    write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", output)


def import_cmd(
    file: Annotated[
        Path, typer.Argument(help="A file written by 'learnpath export' ('-': stdin).")
    ],
    debug: DebugOpt = False,
) -> None:
    """Merge an export into your progress (newer changes win; importing twice is harmless)."""
    from learnpath.progress.transfer import checked_rows, import_data

    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror or exc}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{file} is not JSON ({exc.msg} at line {exc.lineno})") from None
    checked_rows(doc, str(file))  # a bad file creates no database
    counts = import_data(_writer(), doc, str(file))
    changed = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items() if n)
    sys.stdout.write(f"imported {file}: {changed or 'nothing new (already up to date)'}\n")


def reset_cmd(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Really delete all progress.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Delete all your progress (a JSON backup is written first)."""
    from learnpath import store
    from learnpath.progress.transfer import reset

    if not yes:
        raise UsageError(
            "this deletes all your progress; run 'learnpath reset --yes' (a backup "
            "export is written first)"
        )
    backup = reset(_reader(), store.db_path().parent / "backups")
    if backup is None:
        sys.stdout.write("nothing to reset: no progress recorded yet\n")
        return
    sys.stdout.write(
        f"all progress deleted; a backup is in {backup} "
        f"(learnpath import {backup} brings it back)\n"
    )
