"""The Typer apps, assembled in one place from the command modules."""

from __future__ import annotations

from typing import Annotated

import typer

from learnpath import __version__
from learnpath.cli import content, roadmap

_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
# Plain help: Typer's Rich help pulls in a Markdown renderer, which would double the time
# `learnpath --help` takes; startup time is a feature.
_HELP_MODE = None


def _version(value: bool) -> None:
    if value:
        print(f"learnpath {__version__}")
        raise typer.Exit()


def learnpath_app() -> typer.Typer:
    app = typer.Typer(
        name="learnpath",
        help="learnpath: an offline, graded bootcamp for backend and database development.\n\n"
        "Start with 'learning-path backend'; view the plan with 'explore-roadmap backend'.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=_HELP_MODE,
        context_settings=_SETTINGS,
    )

    @app.callback()
    def _root(
        debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
        version: Annotated[
            bool,
            typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
        ] = False,
    ) -> None:
        """learnpath: an offline, graded bootcamp for backend and database development."""

    app.command("roadmap")(roadmap.explore_roadmap)
    app.command("validate")(content.validate)
    app.command("tracks")(content.tracks)
    _add_progress_commands(app)
    _add_grading_commands(app)
    return app


def _add_progress_commands(app: typer.Typer) -> None:
    """The learner's home and progress commands (learnpath/cli/home.py, progress_cmds.py)."""
    from learnpath.cli import home, progress_cmds

    app.command("home")(home.home)
    app.command("progress")(progress_cmds.progress_cmd)
    app.command("exercises")(progress_cmds.exercises_cmd)
    app.command("mark")(progress_cmds.mark_cmd)
    app.command("quiz")(progress_cmds.quiz_cmd)
    app.command("export")(progress_cmds.export_cmd)
    app.command("import")(progress_cmds.import_cmd)
    app.command("reset")(progress_cmds.reset_cmd)


def _add_grading_commands(app: typer.Typer) -> None:
    """Scaffold, grade, hint and the instructor check (learnpath/cli/grading.py); run."""
    from learnpath.cli import grading
    from learnpath.cli.run import run as run_command

    app.command("start")(grading.start)
    app.command("grade")(grading.grade)
    app.command("hint")(grading.hint)
    app.command("stage")(grading.stage)
    app.command("check")(grading.check)
    app.command("run")(run_command)


def _single(command, name: str) -> typer.Typer:
    app = typer.Typer(
        name=name,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=_HELP_MODE,
        context_settings=_SETTINGS,
    )
    app.command(name)(command)
    return app


def explore_roadmap_app() -> typer.Typer:
    return _single(roadmap.explore_roadmap, "explore-roadmap")


def learning_path_app() -> typer.Typer:
    from learnpath.cli import home

    return _single(home.home, "learning-path")
