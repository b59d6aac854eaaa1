"""Every command answers --help; the core stays free of CLI libraries; errors are one line."""

from __future__ import annotations

import subprocess
import sys

import pytest

LEARNPATH_COMMANDS = [
    "roadmap",
    "validate",
    "tracks",
    "home",
    "progress",
    "exercises",
    "mark",
    "quiz",
    "export",
    "import",
    "reset",
    "start",
    "grade",
    "hint",
    "stage",
    "check",
    "run",
]


def _registered() -> list[str]:
    import typer.main

    from learnpath.cli.app import learnpath_app

    group = typer.main.get_command(learnpath_app())
    return sorted(group.commands)  # type: ignore[attr-defined]


def test_every_registered_command_is_listed_here():
    # A new command must be added to LEARNPATH_COMMANDS so its --help is exercised below.
    assert set(_registered()) <= set(LEARNPATH_COMMANDS)


@pytest.mark.parametrize("command", _registered())
def test_learnpath_command_help(cli, command):
    result = cli("learnpath", command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


@pytest.mark.parametrize("program", ["learnpath", "learning-path", "explore-roadmap"])
def test_program_help(cli, program):
    result = cli(program, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout
    assert "\x1b[" not in result.stdout  # not a TTY: no ANSI codes


def test_python_dash_m_works(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "learnpath", "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("learnpath ")


def test_core_imports_no_cli_libraries():
    code = (
        "import sys, learnpath.content.curriculum, learnpath.content.validation, learnpath.export, "
        "learnpath.content.exercises, learnpath.status, learnpath.yamlsrc\n"
        "bad = [m for m in ('typer', 'rich', 'click') if m in sys.modules]\n"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unknown_track_is_one_line_naming_installed_tracks(cli):
    result = cli("explore-roadmap", "nope")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == ["error: unknown track 'nope'; installed tracks: backend"]
    assert "Traceback" not in result.stderr


def test_debug_shows_traceback(cli):
    result = cli("explore-roadmap", "nope", "--debug")
    assert result.returncode == 2
    assert "Traceback" in result.stderr


def test_closed_pipe_is_not_an_error(tmp_path):
    import os

    from .conftest import BIN

    proc = subprocess.run(
        f"'{BIN / 'explore-roadmap'}' backend --format json | head -n 1",
        shell=True,
        capture_output=True,
        text=True,
        env={**os.environ},
        cwd=tmp_path,
    )
    assert proc.stdout == "{\n"  # the JSON is far larger than a pipe buffer
    assert proc.stderr == ""
