"""``learning-path [TRACK]``: the learner's home.

Not on a terminal (or with ``--no-input``) it prints the dashboard as plain text and exits: no
Rich, no ANSI codes, and nothing written (so scripts and the 200 ms budget are safe). On a
terminal it runs the keyboard-driven loop of :mod:`learnpath.cli.interactive`.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from learnpath.cli.output import GLYPHS
from learnpath.cli.roadmap import DebugOpt

BAR_WIDTH = 20


def bar(percent: float, width: int = BAR_WIDTH) -> str:
    filled = round(width * percent / 100)
    return "█" * filled + "░" * (width - filled)


def render_dashboard(data: dict) -> str:
    """The dashboard as plain text (the interactive home shows the same lines)."""
    out: list[str] = []
    enr = data["enrollment"]
    stack = {"python": "Python", "node": "Node", "java": "Java"}.get(enr["stack"] or "", "-")
    out.append(f"{data['title']} ({data['track']}) — {data['percent']:g}% done")
    days = data["streak"]
    streak = f"{days}-day streak" if days else "no streak yet (do one thing today)"
    who = (
        f"{enr['pace_hours']:g} h/week · {stack} · started {enr['started_on']}"
        if data["enrolled"]
        else f"not set up yet: {enr['pace_hours']:g} h/week · {stack} · starting today"
    )
    out.append(f"{who} · {streak}")
    pace = data["pace"]
    out.append(f"Pace: {pace['message']} ({pace['explanation']})")
    out.append("")

    cw = data["current_week"]
    if cw is not None:
        branch = f" · {cw['specialization']}" if cw["specialization"] else ""
        out.append(
            f"This week: Week {cw['week']} — {cw['title']} "
            f"({cw['hours']:g} h{branch}) {GLYPHS[cw['status']]} {cw['status']}"
        )
        out.append("  Objectives")
        out.extend(f"    • {o}" for o in cw["objectives"])
        out.append("  Topics")
        for t in cw["topics"]:
            out.append(f"    {GLYPHS[t['status']]} {t['title']}  ({t['id']})")
        q = cw["quiz"]
        if q.get("attempts"):
            verdict = "passed" if q.get("passed") else "not passed yet"
            out.append(
                f"  Knowledge check: last {q['last']}, best {q['best']:g}% ({verdict}, "
                f"{q['attempts']} attempt{'s' * (q['attempts'] != 1)})"
            )
        else:
            out.append(f"  Knowledge check: {q['questions']} questions, not taken yet")
        for ex in cw["exercises"]:
            if ex["attempts"]:
                nxt = ex["current_stage"] or "all stages passed"
                out.append(
                    f"  Exercise {ex['id']}: {len(ex['passed_stages'])} stage(s) passed, "
                    f"next: {nxt}"
                )
            else:
                out.append(f"  Exercise {ex['id']}: not started")
        out.append("")
    elif data["need_specialization"]:
        out.append("You finished the main path. Choose a specialization:")
        for s in data["specializations"]:
            out.append(f"  • {s['id']}: {s['title']} — {s['summary']}")
        out.append("")

    out.append("Progress")
    label_w = max([len(p["title"]) for p in data["phases"]] + [len("Overall")])
    for p in data["phases"]:
        out.append(f"  {p['title']:<{label_w}}  {bar(p['percent'])} {p['percent']:>5g}%")
    out.append(f"  {'Overall':<{label_w}}  {bar(data['percent'])} {data['percent']:>5g}%")
    out.append("")

    if data["next_actions"]:
        out.append("Next")
        for i, a in enumerate(data["next_actions"], 1):
            out.append(f"  {i}. {a['label']}")
            out.append(f"     $ {a['command']}")
    for msg in data["orphans"]:
        out.append(f"Note: {msg}")
    return "\n".join(out) + "\n"


def home(
    track: Annotated[str | None, typer.Argument(help="Track (default: yours, or backend).")] = None,
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Print the dashboard and exit (no prompts).")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Your home: where you are, what is next, and a way to do it."""
    from learnpath import curriculum, progress

    t = curriculum.load_track(track or progress.default_track())
    if no_input or not (sys.stdin.isatty() and sys.stdout.isatty()):
        sys.stdout.write(render_dashboard(progress.dashboard(t)))
        return
    from learnpath.cli.interactive import run_home

    run_home(t)
