"""The dashboard as text: the plain one (``learning-path --no-input``) and the compact one the
interactive home fits to the terminal. Shared by :mod:`.home` and :mod:`.interactive`."""

from __future__ import annotations

from learnpath.cli.next_steps import orphan_messages, pace_words, plan_line, project_line, worded
from learnpath.cli.output import GLYPHS, bar


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
    pace = pace_words(data["pace"])
    out.append(f"Pace: {pace['message']} ({pace['explanation']})")
    out.append(f"Plan: {plan_line(data['plan'])}")
    if data.get("active_project"):
        out.append(f"Project: {project_line(data['active_project'])}")
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
            out.append(f"  Exercise {ex['id']}{_span(ex)}: {_exercise_state(ex)}")
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

    actions = worded(data)
    if actions:
        out.append("Next")
        for i, a in enumerate(actions, 1):
            out.append(f"  {i}. {a['label']}")
            out.append(f"     $ {a['command']}")
    for msg in orphan_messages(data["orphans"]):
        out.append(f"Note: {msg}")
    return "\n".join(out) + "\n"


def compact_dashboard(data: dict, height: int) -> list[str]:
    """The dashboard as Rich markup lines, at most ``height`` of them (one screen).

    Each line is meant to be cut to the terminal's width, never wrapped, so the count is the
    screen's. The roomiest layout that fits is used: with room it adds the week's topics, the
    phase bars and each next command on its own line; at the least it keeps the title, this
    week, the project and the next three actions.
    """
    from learnpath.cli.output import glyph, markup_escape

    def build(topics: bool, bars: bool, two_line: bool, objectives: int) -> list[str]:
        days = data["streak"]
        streak = f"{days}-day streak" if days else "no streak yet"
        out = [
            f"[bold]{markup_escape(data['title'])}[/] ({data['track']}) — "
            f"[bold]{data['percent']:g}%[/] done · {streak}",
            f"[dim]{markup_escape(pace_words(data['pace'])['message'])} · "
            f"{markup_escape(plan_line(data['plan'], short=True))}[/]",
            "",
        ]
        cw = data["current_week"]
        if cw is not None:
            branch = f" · {markup_escape(cw['specialization'])}" if cw["specialization"] else ""
            out.append(
                f"[bold]This week: Week {cw['week']} — {markup_escape(cw['title'])}[/] "
                f"({cw['hours']:g} h{branch}) {glyph(cw['status'])} {cw['status']}"
            )
            shown = cw["objectives"][:objectives]
            out.extend(f"  • {markup_escape(o)}" for o in shown)
            if len(cw["objectives"]) > len(shown):
                out.append(f"  [dim]… {len(cw['objectives']) - len(shown)} more (w to open)[/]")
            done = sum(t["status"] == "done" for t in cw["topics"])
            if topics:
                out.extend(
                    f"  {glyph(t['status'])} {markup_escape(t['title'])} [dim]{t['id']}[/]"
                    for t in cw["topics"]
                )
            q = cw["quiz"]
            check = (
                f"best {q['best']:g}%{' (passed)' if q.get('passed') else ''}"
                if q.get("attempts")
                else "not taken yet"
            )
            out.append(f"  Topics {done}/{len(cw['topics'])} done · knowledge check {check}")
            for ex in cw["exercises"]:
                out.append(
                    f"  Exercise {markup_escape(ex['id'] + _span(ex))}: "
                    f"{markup_escape(_exercise_state(ex))}"
                )
        elif data["need_specialization"]:
            out.append("[bold]You finished the main path:[/] press c to choose a specialization.")
        if data.get("active_project"):
            out.append(f"[bold]Project:[/] {markup_escape(project_line(data['active_project']))}")
        if bars:
            out += ["", "[bold]Progress[/]"]
            label_w = max([len(p["title"]) for p in data["phases"]] + [len("Overall")])
            for p in [*data["phases"], {"title": "Overall", "percent": data["percent"]}]:
                out.append(
                    f"  {markup_escape(p['title']):<{label_w}}  {bar(p['percent'])} "
                    f"{p['percent']:>5g}%"
                )
        actions = worded(data)[:3]
        if actions:
            out += ["", "[bold]Next[/]"]
            for i, a in enumerate(actions, 1):
                label = markup_escape(a["label"])
                command = markup_escape(a["command"])
                if two_line:
                    out += [f"  {i}. {label}", f"     [cyan]$ {command}[/]"]
                else:
                    out.append(f"  {i}. {label} [cyan]$ {command}[/]")
        out.extend(
            f"[dim]Note: {markup_escape(msg)}[/]" for msg in orphan_messages(data["orphans"])[:1]
        )
        return out

    # From the roomiest layout down to the barest, the first that fits.
    layouts = [
        (True, True, True, 6),
        (False, True, True, 3),
        (False, False, True, 3),
        (False, False, False, 3),
        (False, False, False, 2),
        (False, False, False, 0),
    ]
    for layout in layouts:
        lines = build(*layout)
        if len(lines) <= height:
            return lines
    return lines[:height]


def _span(ex: dict) -> str:
    """ " (stages 1-5: schema, crud, ...)" for the stages this week leads to, if named."""
    return f" ({ex['stages']})" if ex.get("stages") else ""


def _exercise_state(ex: dict) -> str:
    """Where the learner is in one of this week's exercises, or how to begin it."""
    if not ex.get("ready", True):
        return "graded exercise coming"
    if not ex["attempts"]:
        return f"not started: learnpath start {ex['id']}"
    passed = len(ex["passed_stages"])
    return f"{passed} stage(s) passed, next: {ex['current_stage'] or 'none, all passed'}"
