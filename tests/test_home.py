"""``learning-path``: the dashboard in pipes, and the interactive home in a real terminal."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from learnpath import store

BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def _fresh_connections():
    store.close_all()
    yield
    store.close_all()


def test_no_input_prints_the_week_one_dashboard_without_ansi(cli, home, mini):
    result = cli("learning-path", "mini", "--no-input", env={"FORCE_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "\x1b" not in out
    assert "Mini track (mini) — 0% done" in out
    assert "This week: Week 1 — HTTP basics" in out
    assert "You can do the first thing of week 1." in out  # the week's objectives
    assert "○ HTTP verbs  (m-http-verbs)" in out
    assert "Pace: on pace with your 10 h/week plan" in out
    assert "no streak yet" in out
    for phase in ("Basics", "Branch", "Overall"):
        assert phase in out
    # The next three actions, each with its command.
    assert "1. Start topic: HTTP verbs" in out and "$ learnpath mark m-http-verbs done" in out
    assert "2. Take week 1's knowledge check (3 questions)" in out
    assert "$ learnpath quiz 1 --track mini" in out
    assert "3. Start the exercise blog-api" in out and "$ learnpath start blog-api" in out
    assert not (home / "progress.db").exists()


def test_not_a_terminal_prints_the_dashboard_and_exits(cli, mini):
    result = cli("learning-path", "mini", input="w\nq\n")
    assert result.returncode == 0, result.stderr
    assert "This week: Week 1" in result.stdout and "Your choice" not in result.stdout


def test_the_dashboard_follows_progress(cli, mini):
    for args in (
        ("mark", "week:1", "done"),
        ("mark", "m-select", "in-progress"),
        ("quiz", "2", "--answers", "1;1;1"),
    ):
        done = cli("learnpath", *args, "--track", "mini")
        assert done.returncode == 0, done.stderr
    out = cli("learnpath", "home", "--no-input").stdout  # the learner's track: mini now
    assert "This week: Week 2 — SQL basics" in out
    assert "◐ SELECT  (m-select)" in out
    assert "1-day streak" in out
    assert "Continue topic: SELECT" in out
    assert "Knowledge check: last" in out and "not passed yet" in out
    assert "  Basics   ██████████░░░░░░░░░░    50%" in out


def test_choosing_a_specialization_when_the_main_path_is_done(cli, mini):
    for w in ("week:1", "week:2"):
        assert cli("learnpath", "mark", w, "done", "--track", "mini").returncode == 0
    out = cli("learning-path", "mini", "--no-input").stdout
    assert "You finished the main path. Choose a specialization:" in out
    assert "left: Left" in out and "right: Right" in out
    assert "press c in learning-path" in out


def _answer(child, question: str, *texts: str) -> None:
    """Answer a shuffled question by the text of the choices, at the numbers they are shown."""
    import re

    child.expect(question)
    child.expect("Your answer")
    shown = child.before
    numbers = []
    for text in texts:
        found = re.search(rf"(\d+)\) (?:\x1b\[[0-9;]*m)*{re.escape(text)}", shown)
        assert found, f"choice {text!r} not shown in {shown!r}"
        numbers.append(found.group(1))
    child.sendline(",".join(numbers))


def test_interactive_home_driven_by_keystrokes(cli, home, mini):
    pexpect = pytest.importorskip("pexpect")
    env = {**os.environ, "TERM": "xterm", "BROWSER": "true", "COLUMNS": "120", "LINES": "50"}
    child = pexpect.spawn(
        str(BIN / "learning-path"),
        ["mini"],
        env=env,
        encoding="utf-8",
        timeout=120,
        dimensions=(50, 120),
    )
    try:
        # First run: onboarding, each answer typed.
        child.expect("How many hours a week")
        child.sendline("6")
        child.expect("Preferred stack")
        child.sendline("node")
        child.expect(r"Start date")
        child.sendline("")
        child.expect("You are set: 6 h/week, node")
        child.expect("This week: Week 1 — HTTP basics")
        child.expect("Your choice")
        child.sendline("z")  # not a key of this screen: asked again
        child.expect("Please select one of the available options")
        child.sendline("w")
        child.expect("Week number")
        child.sendline("")  # the current week
        child.expect("Week 1: HTTP basics")
        child.expect("Your choice")
        child.sendline("t")  # mark a topic
        child.expect("Topic number")
        child.sendline("1")
        child.expect("Status")
        child.sendline("d")
        # The week's full view (it fits 120x50), then the confirmation above the keys.
        child.expect(r"1\s+(\x1b\[[0-9;]*m)*●(\x1b\[[0-9;]*m)*\s+HTTP verbs")
        child.expect("Marked topic HTTP verbs done")
        child.expect("Your choice")
        child.sendline("k")  # the week's knowledge check: choices shuffled, answered by text
        child.expect("choices shuffled: seed")
        _answer(child, "Which status code means created", "201")
        _answer(child, r"Which are HTTP methods\?.*\(choose all that apply\)", "GET", "POST")
        _answer(child, "What does SQL stand for", "Simple Query Language")  # the wrong one
        child.expect("Score: 2/3")
        child.expect("Press Enter")
        child.sendline("")
        child.expect("Your choice")
        child.sendline("o")  # open a resource
        child.expect("Resource number")
        child.sendline("1")
        child.expect("https://developer.mozilla.org/en-US/docs/Web/HTTP")
        child.expect("Your choice")
        child.sendline("d")  # the whole week done
        child.expect("Marked week 1 done")
        child.expect("Your choice")
        child.sendline("b")
        child.expect("This week: Week 2 — SQL basics")
        child.expect("Your choice")
        child.sendline("c")  # choose a specialization
        child.expect("Choose a number")
        child.sendline("2")
        child.expect("Your specialization: Right")
        child.expect("Your choice")
        child.sendline("r")  # the roadmap
        child.expect("Mini track")
        child.expect("Press Enter")
        child.sendline("")
        child.expect("Your choice")
        child.sendline("q")
        child.expect("See you soon")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before

    store.close_all()
    report = json.loads(cli("learnpath", "progress", "mini", "--format", "json").stdout)
    assert report["enrollment"]["pace_hours"] == 6 and report["enrollment"]["stack"] == "node"
    assert report["specialization"] == "right"
    week1 = report["phases"][0]["weeks"][0]
    assert week1["status"] == "done"
    assert week1["quiz"]["attempts"] == 1 and week1["quiz"]["last"] == "2/3"
    exported = json.loads(cli("learnpath", "export").stdout)
    assert {(s["item"], s["status"]) for s in exported["statuses"]} == {
        ("m-http-verbs", "done"),
        ("m01-http", "done"),
    }


def test_interactive_home_quits_cleanly_on_end_of_input(home, mini):
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(
        str(BIN / "learning-path"),
        ["mini"],
        encoding="utf-8",
        timeout=120,
        env={**os.environ, "TERM": "xterm"},
        dimensions=(40, 100),
    )
    child.expect("How many hours a week")
    child.sendeof()
    child.expect("See you soon")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert not (home / "progress.db").exists(), "skipping onboarding stores nothing"


def test_arguments_are_checked(cli, mini):
    helped = cli("learning-path", "--help")
    assert helped.returncode == 0 and "--no-input" in helped.stdout
    extra = cli("learning-path", "mini", "extra")
    assert extra.returncode == 2
    unknown = cli("learning-path", "nosuch", "--no-input")
    assert unknown.returncode == 2 and "unknown track 'nosuch'" in unknown.stderr


def test_the_weeks_exercises_say_what_can_be_started_and_what_is_coming(
    cli, mini, tmp_path, monkeypatch
):
    """A ready exercise shows the stages this week leads to and its start command; a planned
    one says it is coming and is never offered as an action."""
    import shutil

    root = tmp_path / "mini"
    shutil.copytree(mini, root)
    monkeypatch.setenv("LEARNPATH_PATH", str(root))
    week = root / "mini" / "m01-http.yaml"
    text = week.read_text().replace("exercises: [blog-api]", "exercises: [job-queue, sql-crud]")
    week.write_text(text)
    out = cli("learning-path", "mini", "--no-input").stdout
    assert "Exercise job-queue: graded exercise coming" in out
    assert "Exercise sql-crud: not started: learnpath start sql-crud" in out
    assert "$ learnpath start sql-crud" in out
    assert "learnpath start job-queue" not in out
