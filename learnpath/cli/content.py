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
        bool, typer.Option("--coverage", help="Also report roadmap.sh coverage.")
    ] = False,
) -> None:
    """Check curriculum and exercise definitions like a compiler: every problem, with its place."""
    from learnpath import curriculum
    from learnpath.grading import discovery

    diags: list[Diagnostic] = []
    tracks: dict = {}
    roadmaps: dict = {}
    try:
        tracks, roadmaps = curriculum.validate_paths(paths or [])
    except ContentError as exc:
        diags.extend(exc.diagnostics)
    if not paths:
        diags.extend(discovery.validate_all())
    cov = [
        {"track": t.id, **row}
        for t in tracks.values()
        for row in (curriculum.coverage(t, roadmaps) if show_coverage else [])
    ]
    summary = {
        "tracks": len(tracks),
        "weeks": sum(len(t.all_weeks()) for t in tracks.values()),
        "topics": sum(len(w.topics) for t in tracks.values() for w in t.all_weeks()),
        "questions": sum(len(w.quiz) for t in tracks.values() for w in t.all_weeks()),
    }
    _report(fmt, sorted(diags, key=lambda d: (d.file, d.line, d.col)), summary, cov)
    if diags:
        raise typer.Exit(2)


def _report(fmt: ReportFormat, diags: list[Diagnostic], summary: dict, cov: list[dict]) -> None:
    if fmt is ReportFormat.json:
        doc = {
            "ok": not diags,
            "errors": [
                {"file": d.file, "line": d.line, "col": d.col, "message": d.message} for d in diags
            ],
            **summary,
        }
        if cov:
            doc["coverage"] = cov
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return
    if fmt is ReportFormat.github:
        for d in diags:
            msg = d.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            sys.stdout.write(f"::error file={d.file},line={d.line},col={d.col}::{msg}\n")
    else:
        for d in diags:
            sys.stdout.write(f"{d}\n")
    if diags:
        files = len({d.file for d in diags})
        n = len(diags)
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


def tracks() -> None:
    """List the installed tracks."""
    from rich.table import Table

    from learnpath import curriculum
    from learnpath.cli.output import console

    table = Table(header_style="bold", box=None)
    for col in ("id", "title", "weeks", "specializations"):
        table.add_column(col)
    for t in sorted(curriculum.load_tracks().values(), key=lambda t: t.id):
        last = max(p.last for p in t.phases)
        table.add_row(t.id, t.title, str(last), ", ".join(s.id for s in t.specializations))
    console().print(table)
