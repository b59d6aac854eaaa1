"""``learnpath validate`` and ``learnpath tracks``: for instructors and scripts."""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from learnpath.errors import ContentError, Diagnostic


class ReportFormat(enum.StrEnum):
    text = "text"
    json = "json"
    github = "github"


def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Track folders or module files (default: every installed track)."),
    ] = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="How to report problems.")
    ] = ReportFormat.text,
    show_coverage: Annotated[
        bool,
        typer.Option(
            "--coverage",
            help="Also report roadmap.sh coverage and the knowledge-check figures per track, "
            "branch and week.",
        ),
    ] = False,
    check_links: Annotated[
        bool,
        typer.Option(
            "--links",
            help="Also check that every resource URL answers (needs a network; skipped "
            "without one). Exits 1 when a link is broken.",
        ),
    ] = False,
) -> None:
    """Check curriculum and exercise definitions like a compiler: every problem, with its place.

    Knowledge checks are linted too: per branch, no answer position above 35% of the
    single-answer questions, the right option the longest in at most 35%, and no
    zero-knowledge strategy scoring above 40% (warnings for a branch of under 10 questions).
    """
    from learnpath.content import curriculum, validation
    from learnpath.content import graders as discovery

    diags: list[Diagnostic] = []
    tracks: dict = {}
    roadmaps: dict = {}
    try:
        tracks, roadmaps = curriculum.validate_paths(paths or [])
    except ContentError as exc:
        diags.extend(exc.diagnostics)
    if not paths:
        diags.extend(discovery.validate_all())
    diags.extend(validation.lint_diagnostics(tracks, paths or []))
    errors = [d for d in diags if d.severity == "error"]
    cov: list[dict] = []
    if show_coverage:
        cov = [
            {"track": t.id, **row}
            for t in tracks.values()
            for row in curriculum.coverage(t, roadmaps)
        ]
    summary = {
        "tracks": len(tracks),
        "weeks": sum(len(t.all_weeks()) for t in tracks.values()),
        "topics": sum(len(w.topics) for t in tracks.values() for w in t.all_weeks()),
        "questions": sum(len(w.quiz) for t in tracks.values() for w in t.all_weeks()),
    }
    extra: dict = {}
    if show_coverage:
        extra["quiz"] = _quiz_rows(tracks, paths or [])
    if check_links and not errors:
        extra["links"] = _links(tracks, paths or [])
    _report(fmt, sorted(diags, key=lambda d: (d.file, d.line, d.col)), summary, cov, extra)
    if errors:
        raise typer.Exit(2)
    if extra.get("links", {}).get("broken"):
        raise typer.Exit(1)


def _quiz_rows(tracks: dict, targets: list[Path]) -> list[dict]:
    from learnpath.content import quizlint, validation

    return [
        row
        for t in tracks.values()
        for row in quizlint.report(t, validation.selected_weeks(t, targets))
    ]


def _links(tracks: dict, targets: list[Path]) -> dict:
    """Check the resource URLs of the selected weeks: every moved or broken link with its places,
    or ``skipped`` when there is no network."""
    from learnpath.content import links, validation

    places: dict[str, list[str]] = {}
    for t in tracks.values():
        for url, where in links.collect(validation.selected_weeks(t, targets)).items():
            places.setdefault(url, []).extend(where)
    try:
        results = links.check(list(places))
    except links.NoNetwork:
        return {"skipped": "no network", "checked": 0, "moved": [], "broken": []}
    out: dict = {"checked": len(results), "moved": [], "broken": []}
    for r in results:
        if r.outcome != "ok":
            out[r.outcome].append(
                {"url": r.url, "final": r.final, "detail": r.detail, "places": places[r.url]}
            )
    return out


def _report(
    fmt: ReportFormat, diags: list[Diagnostic], summary: dict, cov: list[dict], extra: dict
) -> None:
    errors = [d for d in diags if d.severity == "error"]
    if fmt is ReportFormat.json:
        doc = {
            "ok": not errors,
            "errors": [_diag_dict(d) for d in errors],
            "warnings": [_diag_dict(d) for d in diags if d.severity != "error"],
            **summary,
        }
        if cov:
            doc["coverage"] = cov
        doc.update(extra)
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return
    if fmt is ReportFormat.github:
        for d in diags:
            msg = d.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            sys.stdout.write(f"::{d.severity} file={d.file},line={d.line},col={d.col}::{msg}\n")
    else:
        for d in diags:
            sys.stdout.write(f"{d}\n")
    if errors:
        files = len({d.file for d in errors})
        n = len(errors)
        sys.stderr.write(f"{n} error{'s' * (n != 1)} in {files} file{'s' * (files != 1)}\n")
        return
    sys.stdout.write(
        f"ok: {summary['tracks']} track(s), {summary['weeks']} weeks, {summary['topics']} topics, "
        f"{summary['questions']} questions\n"
    )
    for row in cov:
        missing = ", ".join(row["missing"][:8]) + (" …" if len(row["missing"]) > 8 else "")
        sys.stdout.write(
            f"coverage {row['track']} · {row['path']} · roadmap {row['roadmap']}: "
            f"{row['covered']}/{row['total']} nodes = {row['percent']:g}%"
            + (f" (missing: {missing})" if row["missing"] else "")
            + "\n"
        )
    for row in extra.get("quiz", []):
        sys.stdout.write(_quiz_line(row) + "\n")
    if "links" in extra:
        _links_text(extra["links"], github=fmt is ReportFormat.github)


def _diag_dict(d: Diagnostic) -> dict:
    return {"file": d.file, "line": d.line, "col": d.col, "message": d.message}


def _quiz_line(row: dict) -> str:
    where = " · ".join(
        [row["track"], row["branch"] or "all", *([f"week {row['week']}"] if row["week"] else [])]
    )
    single = row["single"] or 1
    pos = " ".join(f"{k} {100 * v / single:.0f}%" for k, v in row["positions"].items())
    sizes = ", ".join(f"{k}: {v}" for k, v in row["multiple_sizes"].items()) or "none"
    zk = " ".join(f"{k} {v:g}%" for k, v in row["zero_knowledge_percent"].items())
    return (
        f"quiz {where}: {row['questions']} questions ({row['single']} single, "
        f"{row['multiple']} multiple) · right answer {pos} · longest is right "
        f"{row['longest_is_right_percent']:g}% (>30% longer {row['much_longer_percent']:g}%) · "
        f"multiple right {sizes} · zero-knowledge {zk}"
    )


def _links_text(report: dict, *, github: bool = False) -> None:
    """One line per place of a moved or broken link (GitHub annotations with ``github``)."""
    if "skipped" in report:
        sys.stdout.write("links not checked: no network\n")
        return
    for kind, level in (("moved", "warning"), ("broken", "error")):
        for item in report[kind]:
            for place in item["places"]:
                what = f"{kind}: {item['url']} ({item['detail']})"
                if github:
                    file, _, line = place.rpartition(":")
                    sys.stdout.write(f"::{level} file={file},line={line}::{what}\n")
                else:
                    sys.stdout.write(f"{place}: {what}\n")
    sys.stdout.write(
        f"links: {report['checked']} checked, {len(report['moved'])} moved, "
        f"{len(report['broken'])} broken\n"
    )


def tracks() -> None:
    """List the installed tracks."""
    from rich.table import Table

    from learnpath.cli.output import console
    from learnpath.content import curriculum

    table = Table(header_style="bold", box=None)
    for col in ("id", "title", "weeks", "specializations"):
        table.add_column(col)
    for t in sorted(curriculum.load_tracks().values(), key=lambda t: t.id):
        last = max(p.last for p in t.phases)
        table.add_row(t.id, t.title, str(last), ", ".join(s.id for s in t.specializations))
    console().print(table)
