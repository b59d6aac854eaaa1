"""The home and its views fit the terminal; one renderer per view; the HTML roadmap's cards."""

from __future__ import annotations

import os
import shlex
import sys
import time
import uuid
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text

from learnpath import export, store
from learnpath.cli import views
from learnpath.cli.dashboard import compact_dashboard
from learnpath.cli.output import markup_escape, plain
from learnpath.content import curriculum
from learnpath.progress import dashboard, marks, projects
from learnpath.progress.repository import Repository
from learnpath.status import EMPTY

from .conftest import require_tool

BIN = Path(sys.executable).parent


def _r() -> Repository:
    """The learner's progress for reading, opened as the CLI opens it."""
    return Repository(store.reader())


def _w() -> Repository:
    """The learner's progress for writing, opened as the CLI opens it."""
    return Repository(store.writer())


@pytest.fixture(autouse=True)
def _fresh_connections():
    store.close_all()
    yield
    store.close_all()


@pytest.mark.parametrize(
    "title", ["C:\\", "two\\\\", "a\\[b]", "[bold]not a tag", "x[/]", "list[1]", "plain"]
)
def test_escaped_text_reads_back_as_itself_even_before_our_closing_tag(title):
    # A title ending in a backslash used to escape the "[/]" that follows it.
    markup = f"[bold]{markup_escape(title)}[/] [dim]after[/]"
    assert Text.from_markup(markup).plain == f"{title} after"
    assert plain(markup) == f"{title} after"


def test_an_unknown_specialization_is_reported_as_such_not_as_a_week(cli):
    for args in (["quiz", "99", "-s", "nosuch"], ["mark", "week:2", "done", "-s", "nosuch"]):
        result = cli("learnpath", *args, input="")
        assert result.returncode == 2, (args, result.stdout)
        assert "unknown specialization 'nosuch'" in result.stderr, (args, result.stderr)
        assert "week" not in result.stderr.split(";")[0], result.stderr


@pytest.mark.parametrize("height", [21, 16, 12, 37])
def test_the_compact_dashboard_never_takes_more_lines_than_it_is_given(height):
    data = dashboard.dashboard(_r(), curriculum.load_track("backend"))
    lines = compact_dashboard(data, height)
    assert len(lines) <= height
    assert plain(lines[0]).startswith("Backend & Database Development (backend) — 0% done")
    text = "\n".join(plain(line) for line in lines)
    assert "This week: Week 1" in text
    if height >= 16:
        assert "Next" in text and "1. " in text
    if height >= 37:
        assert "Progress" in text, "a tall terminal shows the phase bars too"


def test_the_week_view_is_one_renderer_for_explore_roadmap_and_the_home(cli, mini):
    result = cli("explore-roadmap", "mini", "--week", "1", env={"COLUMNS": "100"})
    assert result.returncode == 0, result.stderr
    track = curriculum.load_track("mini")
    out = Console(width=100, no_color=True, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    for part in views.week_parts(track, track.find_week(1), EMPTY, width=100):
        out.print(part)
    shown = out.export_text()
    # The panel the home prints is the one explore-roadmap prints, line for line.
    assert shown.strip() and shown.strip() in result.stdout
    assert "Resources" in shown and " 1) " in shown


def test_html_cards_show_how_to_open_them_and_do_not_stretch_their_row():
    track = curriculum.load_track("backend")
    page = export.to_html(export.roadmap_dict(track, EMPTY))
    assert "align-items:start" in page
    assert 'details.week summary::after { content:"▸"' in page.replace("\n", " ")
    assert 'details.week[open] summary::after { content:"▾"; }' in page
    assert 'class="legend"' in page and "● done" in page
    for status in ("done", "in-progress", "skipped"):
        assert f"li.topic.{status}::before" in page
        assert f"details.week.{status}" in page


def test_html_marks_done_and_in_progress_topics(home):
    track = curriculum.load_track("backend")
    week = track.find_week(3)
    marks.set_status(_w(), track, "topic", week.topics[0].id, "done", week=week)
    marks.set_status(_w(), track, "topic", week.topics[1].id, "in-progress", week=week)
    page = export.to_html(export.roadmap_dict(track, marks.overlay_for(_r(), track)))
    assert f'<li class="topic done" data-status="done" title="done">{week.topics[0].title}' in (
        page
    )
    assert '<li class="topic in-progress"' in page
    assert '<span class="badge in-progress">in-progress</span>' in page


class Tmux:
    """A detached tmux session of a given size: keys in, the visible screen out."""

    def __init__(self, command: list[str], width: int, height: int, env: dict) -> None:
        self.tmux = require_tool("tmux")
        self.name = f"lp-{uuid.uuid4().hex[:8]}"
        self.socket = f"lp-{uuid.uuid4().hex[:8]}"
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        self._run(
            "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height),
            f"env -u COLUMNS -u LINES {exports} {shlex.join(command)}; sleep 30",
        )  # fmt: skip

    def _run(self, *args: str) -> str:
        import subprocess

        return subprocess.run(
            [self.tmux, "-L", self.socket, *args], capture_output=True, text=True, timeout=120
        ).stdout

    def keys(self, *keys: str) -> None:
        for key in keys:
            self._run("send-keys", "-t", self.name, key)
            time.sleep(0.15)

    def screen(self) -> list[str]:
        return self._run("capture-pane", "-p", "-t", self.name).splitlines()

    def wait_for(self, text: str, timeout: float = 120) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.screen()
            if any(text in line for line in lines):
                return lines
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never showed; the screen was:\n" + "\n".join(self.screen()))

    def close(self) -> None:
        self._run("kill-server")


TOP = "Backend & Database Development (backend)"
LEGEND = "w open a week · k knowledge check · c specialization · r roadmap · q quit"


def _home_is_whole(screen: list[str]) -> None:
    text = "\n".join(screen)
    assert screen[0].startswith(TOP), f"the top line scrolled away:\n{text}"
    assert any(LEGEND in line for line in screen), f"the key legend is not on screen:\n{text}"
    assert any(line.startswith("Your choice") for line in screen), text


def test_the_home_fits_80x24_after_a_week_and_after_the_roadmap_pager(home):
    require_tool("less")
    env = {
        "LEARNPATH_HOME": str(home),
        "TERM": "xterm-256color",
        "PATH": os.environ["PATH"],
        "PAGER": "",
        "LESS": "",
        "BROWSER": "true",
    }
    tmux = Tmux([str(BIN / "learning-path"), "backend"], 80, 24, env)
    try:
        tmux.wait_for("How many hours a week")
        tmux.keys("Enter")
        tmux.wait_for("Preferred stack")
        tmux.keys("Enter")
        tmux.wait_for("Start date")
        tmux.keys("Enter")
        _home_is_whole(tmux.wait_for("Your choice"))

        tmux.keys("w", "Enter")
        tmux.wait_for("Week number")
        tmux.keys("5", "Enter")
        week = tmux.wait_for("v view all")
        assert week[0].startswith("Week 5: HTTP and REST fundamentals"), "\n".join(week)
        tmux.keys("t", "Enter", "2", "Enter", "Enter")
        week = tmux.wait_for("Marked topic Status codes")
        assert week[0].startswith("Week 5:"), "\n".join(week)
        assert any(line.startswith("Your choice") for line in week)
        tmux.keys("b", "Enter")
        time.sleep(0.5)
        _home_is_whole(tmux.wait_for(LEGEND))

        tmux.keys("r", "Enter")
        tree = tmux.wait_for("├── Foundation weeks 1-12")
        assert tree[0].startswith(TOP)
        tmux.keys("G")  # the end of the roadmap: its footer is whole, not cut at 80 columns
        end = "".join(line.strip() for line in tmux.wait_for("(END)")[-6:])
        assert "one week in detail: --week N" in end, end
        tmux.keys("q")
        time.sleep(0.5)
        _home_is_whole(tmux.wait_for(LEGEND))

        tmux.keys("q", "Enter")
        tmux.wait_for("See you soon")
    finally:
        tmux.close()


def test_the_compact_dashboard_shows_the_active_project_within_its_lines(home, tmp_path):
    projects.register_project(_w(), "p1", "blog-api", stack="fastapi", path=str(tmp_path / "blog"))
    data = dashboard.dashboard(_r(), curriculum.load_track("backend"))
    assert data["active_project"], "the dashboard knows the project"
    lines = compact_dashboard(data, 21)
    assert len(lines) <= 21
    shown = [plain(line) for line in lines]
    assert any(line.startswith("Project: blog-api (fastapi)") for line in shown), shown
    assert any("learnpath grade" in line for line in shown), "grading it is a next action"
