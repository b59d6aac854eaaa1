"""``learning-path [TRACK]``: the learner's home.

Not on a terminal (or with ``--no-input``) it prints the dashboard as plain text and exits: no
Rich, no ANSI codes, and nothing written (so scripts and the 200 ms budget are safe). On a
terminal it runs the keyboard-driven loop of :mod:`learnpath.cli.interactive`.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from learnpath.cli.dashboard import render_dashboard
from learnpath.cli.roadmap import DebugOpt


def home(
    track: Annotated[str | None, typer.Argument(help="Track (default: yours, or backend).")] = None,
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Print the dashboard and exit (no prompts).")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Your home: where you are, what is next, and a way to do it."""
    from learnpath import store
    from learnpath.content import curriculum
    from learnpath.progress.dashboard import dashboard
    from learnpath.progress.enrollment import default_track
    from learnpath.progress.repository import Repository

    repo = Repository(store.reader())  # printing the home never creates the database
    t = curriculum.load_track(track or default_track(repo))
    if no_input or not (sys.stdin.isatty() and sys.stdout.isatty()):
        sys.stdout.write(render_dashboard(dashboard(repo, t)))
        return
    from learnpath.cli.interactive import run_home

    run_home(t)
