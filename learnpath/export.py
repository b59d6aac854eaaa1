"""The roadmap as plain data, Markdown and a self-contained HTML page (no Rich, no network)."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable

from learnpath.models import Track, Week
from learnpath.status import EMPTY, Overlay

NO_GRADED_EXERCISE = "No graded exercise this week yet."


def exercise_label(exercise_id: str, status: str, note: str | None = None) -> str:
    """What an exercise of a week is: graded now (and the next step) or still planned."""
    if status != "ready":
        return "graded exercise coming"
    return f"graded: {note or f'learnpath start {exercise_id}'}"


def exercise_statuses(ids: Iterable[str]) -> dict[str, str]:
    """``ready`` or ``planned`` for each exercise id (``planned`` when it is not defined)."""
    from learnpath.content import exercises

    defs, _ = exercises.load_checked()
    return {x: defs[x].status if x in defs else "planned" for x in ids}


def _exercise_labels(w: dict) -> list[tuple[str, str, str]]:
    """(id, status, label) for each exercise of a week dict (``exercise_status`` comes from
    the CLI, which reads the exercise definitions)."""
    statuses = w.get("exercise_status", {})
    out = []
    for x in w["exercises"]:
        status = statuses.get(x, "planned")
        out.append((x, status, exercise_label(x, status)))
    return out


def _graded(w: dict) -> bool:
    return "ready" in w.get("exercise_status", {}).values()


def week_dict(track: Track, w: Week, overlay: Overlay = EMPTY) -> dict:
    return {
        "week": w.week,
        "id": w.id,
        "title": w.title,
        "phase": w.phase,
        "specialization": w.specialization,
        "summary": w.summary,
        "objectives": list(w.objectives),
        "topics": [
            {
                "id": t.id,
                "title": t.title,
                "roadmap": list(t.roadmap),
                "status": overlay.topic(w, t.id),
            }
            for t in w.topics
        ],
        "resources": [{"title": r.title, "url": r.url, "type": r.type} for r in w.resources],
        "exercises": list(w.exercises),
        "prerequisites": list(w.prerequisites),
        "questions": len(w.quiz),
        "hours": w.hours,
        "status": overlay.week(w),
    }


def roadmap_dict(
    track: Track,
    overlay: Overlay = EMPTY,
    *,
    phase: str | None = None,
    specialization: str | None = None,
    weeks: Iterable[Week] | None = None,
    chosen: str | None = None,
) -> dict:
    """The track in the documented JSON shape, optionally narrowed to a phase, a branch or a
    set of weeks (a search result)."""
    keep = {w.id for w in weeks} if weeks is not None else None

    def pick(ws: Iterable[Week]) -> list[dict]:
        return [week_dict(track, w, overlay) for w in ws if keep is None or w.id in keep]

    # The specialization phase lists the weeks of the learner's branch (the first branch until
    # one is chosen), so the phases read as the 48-week path the learner will walk.
    branch = chosen if chosen in track.branches else next(iter(track.branches), None)
    phases = []
    for p in track.phases:
        if (phase and p.id != phase) or specialization:
            continue
        entry: dict = {"id": p.id, "title": p.title, "summary": p.summary}
        if p.id == track.specializations_phase:
            ws = list(track.branches.get(branch, ())) if branch else []
            entry["branch"] = branch
            entry["branch_chosen"] = branch == chosen
        else:
            ws = [w for w in track.weeks if p.holds(w.week)]
        entry.update(weeks_range=[p.first, p.last], percent=overlay.percent(ws), weeks=pick(ws))
        phases.append(entry)
    specs = []
    for s in track.specializations:
        if specialization and s.id != specialization:
            continue
        if phase and phase != track.specializations_phase:
            continue
        ws = list(track.branches.get(s.id, ()))
        specs.append(
            {
                "id": s.id,
                "title": s.title,
                "summary": s.summary,
                "roadmap": s.roadmap or track.roadmap,
                "percent": overlay.percent(ws),
                "weeks": pick(ws),
            }
        )
    return {
        "track": track.id,
        "title": track.title,
        "summary": track.summary,
        "percent": overlay.percent(track.weeks),
        "phases": phases,
        "specializations": specs,
    }


def to_json(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


_MARK = {"todo": "[ ]", "in-progress": "[~]", "done": "[x]", "skipped": "[-]"}


def to_markdown(data: dict) -> str:
    out = [f"# {data['title']}", "", data["summary"], ""]

    def weeks_md(weeks: list[dict]) -> None:
        for w in weeks:
            out.append(f"### {_MARK[w['status']]} Week {w['week']}: {w['title']}")
            out.append("")
            out.append(f"{w['summary']} *(about {w['hours']:g} h)*")
            out.append("")
            out.extend(f"- {o}" for o in w["objectives"])
            out.append("")
            out.append("Topics: " + ", ".join(f"{t['title']} (`{t['id']}`)" for t in w["topics"]))
            out.append("")
            for r in w["resources"]:
                paid = " (paid)" if r.get("cost") == "paid" else ""
                out.append(f"- [{r['title']}]({r['url']}) — {r['type']}{paid}")
            out.append("")
            if w["exercises"]:
                labels = _exercise_labels(w)
                out.append("Exercises: " + ", ".join(f"`{x}` ({label})" for x, _, label in labels))
            if not _graded(w):
                out.append(NO_GRADED_EXERCISE)
            out.append("")

    for p in data["phases"]:
        first, last = p["weeks_range"]
        out += [f"## {p['title']} (weeks {first}–{last}) — {p['percent']:g}% done", ""]
        if p["summary"]:
            out += [p["summary"], ""]
        if "branch" in p and data["specializations"]:
            continue  # the branches follow, each in full
        weeks_md(p["weeks"])
    for s in data["specializations"]:
        out += [f"## Specialization: {s['title']} — {s['percent']:g}% done", "", s["summary"], ""]
        weeks_md(s["weeks"])
    return "\n".join(out).rstrip() + "\n"


_CSS = """
:root { --fg:#1d2330; --muted:#5b6475; --bg:#f6f7fb; --card:#fff; --line:#d9dde8;
  --todo:#9aa3b5; --progress:#e0a100; --done:#1f9d55; --skipped:#7b61ff; --accent:#2f5bea; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  color:var(--fg); background:var(--bg); }
header { padding:28px 32px 8px; }
h1 { margin:0 0 4px; font-size:28px; }
header p { margin:0; color:var(--muted); max-width:70ch; }
.bar { height:8px; background:var(--line); border-radius:4px; overflow:hidden; }
.bar > span { display:block; height:100%; background:var(--done); }
section.phase { margin:20px 32px; }
section.phase > h2 { font-size:20px; margin:0 0 2px; }
section.phase > .meta { color:var(--muted); margin-bottom:8px; }
.weeks { display:grid; grid-template-columns:repeat(auto-fill,minmax(260px,1fr)); gap:12px;
  align-items:start; }
details.week { background:var(--card); border:1px solid var(--line);
  border-left:5px solid var(--todo); border-radius:8px; padding:10px 12px; }
details.week.done { border-left-color:var(--done); }
details.week.in-progress { border-left-color:var(--progress); }
details.week.skipped { border-left-color:var(--skipped); }
details.week.done, details.week.done[open] { background:#f0faf4; }
details.week.in-progress { background:#fffaeb; }
details.week[open] { box-shadow:0 2px 8px rgba(29,35,48,.12); }
details.week summary { cursor:pointer; list-style:none; position:relative; padding-right:22px; }
details.week summary::-webkit-details-marker { display:none; }
details.week summary::after { content:"▸"; position:absolute; right:0; top:0;
  color:var(--accent); font-size:16px; }
details.week[open] summary::after { content:"▾"; }
details.week summary:hover .title { color:var(--accent); }
.badge { display:inline-block; font-size:11px; font-weight:600; padding:0 6px; margin-left:6px;
  border-radius:8px; color:#fff; background:var(--todo); text-transform:none; }
.badge.done { background:var(--done); }
.badge.in-progress { background:var(--progress); }
.badge.skipped { background:var(--skipped); }
li.topic { list-style:none; margin-left:-18px; }
li.topic::before { content:"○"; display:inline-block; width:18px; color:var(--todo); }
li.topic.done { color:var(--muted); }
li.topic.done::before { content:"●"; color:var(--done); }
li.topic.in-progress::before { content:"◐"; color:var(--progress); }
li.topic.skipped { text-decoration:line-through; color:var(--muted); }
li.topic.skipped::before { content:"⊘"; color:var(--skipped); }
.legend { display:flex; flex-wrap:wrap; gap:14px; margin:10px 0 0; padding:0;
  list-style:none; font-size:13px; color:var(--muted); }
.legend li { margin:0; }
.wk { font-size:12px; font-weight:600; color:var(--accent); text-transform:uppercase; }
.title { font-weight:600; display:block; }
.status { font-size:12px; color:var(--muted); }
details.week ul { padding-left:18px; margin:6px 0; }
details.week h4 { margin:8px 0 2px; font-size:13px; color:var(--muted); }
.branches { display:grid; grid-template-columns:repeat(auto-fit,minmax(320px,1fr)); gap:16px; }
.branch { background:#eef1fb; border-radius:10px; padding:12px; }
.branch h3 { margin:0 0 4px; }
.branch .weeks { grid-template-columns:1fr; }
a { color:var(--accent); }
footer { margin:24px 32px; color:var(--muted); font-size:13px; }
.paid { font-size:11px; font-weight:600; padding:0 5px; border-radius:6px; background:#fff3cd;
  color:#7a5b00; }
.ex.ready { color:var(--done); font-weight:600; }
.ex.planned { color:var(--muted); font-style:italic; }
"""


def to_html(data: dict) -> str:
    """One self-contained page: inline CSS, no scripts, no external requests."""
    e = html.escape

    def bar(pct: float) -> str:
        return f'<div class="bar" title="{pct:g}% done"><span style="width:{pct:g}%"></span></div>'

    def weeks_html(weeks: list[dict]) -> str:
        cards = []
        for w in weeks:
            topics = "".join(
                f'<li class="topic {e(t["status"])}" data-status="{e(t["status"])}" '
                f'title="{e(t["status"])}">{e(t["title"])}</li>'
                for t in w["topics"]
            )
            objectives = "".join(f"<li>{e(o)}</li>" for o in w["objectives"])
            resources = "".join(
                f'<li><a href="{e(r["url"])}">{e(r["title"])}</a> ({e(r["type"])})'
                + (' <span class="paid">paid</span>' if r.get("cost") == "paid" else "")
                + "</li>"
                for r in w["resources"]
            )
            exercises = "".join(
                f'<li><code>{e(x)}</code> <span class="ex {e(status)}">{e(label)}</span></li>'
                for x, status, label in _exercise_labels(w)
            )
            exercises = f"<ul>{exercises}</ul>" if exercises else ""
            if not _graded(w):
                exercises += f"<p>{e(NO_GRADED_EXERCISE)}</p>"
            badge = (
                f' <span class="badge {e(w["status"])}">{e(w["status"])}</span>'
                if w["status"] != "todo"
                else ""
            )
            cards.append(
                f'<details class="week {e(w["status"])}" id="{e(w["id"])}">'
                f'<summary><span class="wk">Week {w["week"]}{badge}</span>'
                f'<span class="title">{e(w["title"])}</span>'
                f'<span class="status">{e(w["status"])} · {w["hours"]:g} h · '
                f"{len(w['topics'])} topics</span></summary>"
                f"<p>{e(w['summary'])}</p><h4>Objectives</h4><ul>{objectives}</ul>"
                f"<h4>Topics</h4><ul>{topics}</ul><h4>Resources</h4><ul>{resources}</ul>"
                f"<h4>Exercises</h4>{exercises}</details>"
            )
        return f'<div class="weeks">{"".join(cards)}</div>'

    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(data['title'])} — learnpath roadmap</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<header><h1>{e(data['title'])}</h1><p>{e(data['summary'])}</p>",
        f"<p>{data['percent']:g}% of the main path done</p>{bar(data['percent'])}",
        '<ul class="legend" aria-label="legend"><li>○ todo</li><li>◐ in progress</li>'
        "<li>● done</li><li>⊘ skipped</li><li>▸ click a week to open it, ▾ to close it</li>"
        "</ul></header>",
    ]
    for p in data["phases"]:
        first, last = p["weeks_range"]
        parts.append(
            f'<section class="phase" id="phase-{e(p["id"])}"><h2>{e(p["title"])}</h2>'
            f'<div class="meta">Weeks {first}–{last} · {p["percent"]:g}% done</div>'
            f"{bar(p['percent'])}<p>{e(p['summary'])}</p>"
        )
        if "branch" in p and data["specializations"]:
            parts.append(_branches(data["specializations"], weeks_html, bar))
        else:
            parts.append(weeks_html(p["weeks"]))
        parts.append("</section>")
    if not data["phases"] and data["specializations"]:
        parts.append('<section class="phase"><h2>Specializations</h2>')
        parts.append(_branches(data["specializations"], weeks_html, bar))
        parts.append("</section>")
    parts.append("<footer>Generated by learnpath · explore-roadmap --format html</footer>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _branches(specs: list[dict], weeks_html, bar) -> str:
    e = html.escape
    cols = "".join(
        f'<div class="branch" id="spec-{e(s["id"])}"><h3>{e(s["title"])}</h3>'
        f"<p>{e(s['summary'])}</p>{bar(s['percent'])}{weeks_html(s['weeks'])}</div>"
        for s in specs
    )
    return f'<div class="branches">{cols}</div>'
