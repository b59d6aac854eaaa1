"""explore-roadmap: the tree, the detail view, filters and every export format."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import FIXTURES, require_tool


def roadmap_json(cli, *args: str) -> dict:
    result = cli("explore-roadmap", "backend", "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_json_has_48_weeks_in_4_phases_and_3_branches_of_12(cli):
    data = roadmap_json(cli)
    assert data["track"] == "backend"
    assert [p["id"] for p in data["phases"]] == ["foundation", "core", "advanced", "specialization"]
    weeks = [w["week"] for p in data["phases"] for w in p["weeks"]]
    assert weeks == list(range(1, 49))
    assert [(s["id"], len(s["weeks"])) for s in data["specializations"]] == [
        ("database-admin", 12),
        ("system-architect", 12),
        ("api-specialist", 12),
    ]
    every = [w for p in data["phases"] for w in p["weeks"]]
    every += [w for s in data["specializations"] for w in s["weeks"]]
    keys = {
        "week",
        "id",
        "title",
        "objectives",
        "topics",
        "resources",
        "exercises",
        "questions",
        "hours",
        "status",
    }
    for w in every:
        assert keys <= set(w), w["id"]
        assert len(w["objectives"]) >= 3 and len(w["topics"]) >= 3, w["id"]
        assert len(w["resources"]) >= 2 and w["questions"] >= 3, w["id"]
        assert w["status"] == "todo"
        for t in w["topics"]:
            assert set(t) == {"id", "title", "roadmap", "status"}
        for r in w["resources"]:
            assert set(r) == {"title", "url", "type", "cost"}
            assert r["cost"] in ("free", "paid")
        assert set(w["exercise_status"]) == set(w["exercises"])


def test_text_tree_is_plain_when_not_a_tty(cli):
    result = cli("explore-roadmap")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "\x1b[" not in out
    assert out.splitlines()[0].startswith("Backend & Database Development (backend) — 0%")
    assert "├── Foundation weeks 1-12 — 0%" in out
    assert "○ Week  1 " in out
    assert "└── Specialization weeks 37-48" in out


def test_week_detail(cli):
    result = cli("explore-roadmap", "backend", "--week", "5")
    assert result.returncode == 0, result.stderr
    assert "Week 5:" in result.stdout
    for heading in ("Objectives", "Topics", "Resources", "Prerequisites"):
        assert heading in result.stdout


def test_week_in_specialization_needs_a_branch(cli):
    result = cli("explore-roadmap", "backend", "--week", "40")
    assert result.returncode == 2
    assert "add --specialization" in result.stderr
    ok = cli("explore-roadmap", "backend", "--week", "40", "-s", "api-specialist", "-f", "json")
    assert ok.returncode == 0, ok.stderr
    week = json.loads(ok.stdout)
    assert (week["week"], week["specialization"]) == (40, "api-specialist")


def test_week_out_of_range(cli):
    result = cli("explore-roadmap", "backend", "--week", "60")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: week 60 does not exist; track 'backend' has weeks 1-48"


def test_phase_and_specialization_filters(cli):
    core = roadmap_json(cli, "--phase", "core")
    assert [p["id"] for p in core["phases"]] == ["core"]
    assert core["specializations"] == []
    assert [w["week"] for w in core["phases"][0]["weeks"]] == list(range(13, 25))
    dba = roadmap_json(cli, "--specialization", "database-admin")
    assert dba["phases"] == []
    assert [s["id"] for s in dba["specializations"]] == ["database-admin"]
    bad = cli("explore-roadmap", "backend", "--phase", "nope")
    assert bad.returncode == 2 and "phases: foundation, core, advanced" in bad.stderr


def test_search(cli):
    found = roadmap_json(cli, "--search", "replication")
    weeks = [w for p in found["phases"] for w in p["weeks"]]
    weeks += [w for s in found["specializations"] for w in s["weeks"]]
    assert weeks, "some week teaches replication"
    for w in weeks:
        text = json.dumps(w).lower()
        assert "replication" in text
    table = cli("explore-roadmap", "backend", "--search", "replication")
    assert table.returncode == 0 and "Weeks mentioning 'replication'" in table.stdout
    none = cli("explore-roadmap", "backend", "--search", "zzzz-nothing")
    assert "No week mentions 'zzzz-nothing'." in none.stdout


def test_markdown_export(cli, tmp_path):
    out = tmp_path / "plan.md"
    result = cli("explore-roadmap", "backend", "--format", "markdown", "--output", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert text.startswith("# Backend & Database Development")
    assert "## Foundation (weeks 1–12)" in text
    assert "## Specialization: API Specialist" in text
    assert text.count("### [ ] Week ") == 36 + 36


def test_html_is_self_contained_and_renders_in_chromium(cli, tmp_path):
    page = tmp_path / "roadmap.html"
    result = cli("explore-roadmap", "backend", "--format", "html", "-o", str(page))
    assert result.returncode == 0, result.stderr
    html = page.read_text()
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert 'src="http' not in html
    chromium = require_tool("chromium")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run(
        [chromium, *flags, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    shown = dom.stdout
    assert "<h1>Backend &amp; Database Development</h1>" in shown
    for phase in ("Foundation", "Core Skills", "Advanced", "Specialization"):
        assert f"<h2>{phase}</h2>" in shown
    for spec in ("Database Admin", "System Architect", "API Specialist"):
        assert f"<h3>{spec}</h3>" in shown
    assert shown.count('class="week todo"') == 72
    shot = tmp_path / "shot.png"
    subprocess.run(
        [chromium, *flags, f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 20_000  # a real rendering, not a blank page


def test_no_color_and_output_file_for_tree(cli, tmp_path):
    out = tmp_path / "tree.txt"
    result = cli("explore-roadmap", "backend", "--phase", "foundation", "-o", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert "Week 12" in text and "Week 13" not in text and "\x1b[" not in text


def test_tracks_lists_installed_tracks(cli, mini):
    result = cli("learnpath", "tracks")
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.strip().splitlines()[1:]]
    assert [r[0] for r in rows] == ["backend", "mini"]
    assert rows[0][-3:] == ["database-admin,", "system-architect,", "api-specialist"]
    assert "48" in rows[0] and rows[1][-2:] == ["left,", "right"]


def test_on_a_narrow_terminal_tree_lines_are_cut_but_the_footer_wraps_whole(monkeypatch):
    import io
    import re
    import sys

    from learnpath.cli.output import plain, print_markup
    from learnpath.cli.tree import roadmap_lines
    from learnpath.content import curriculum
    from learnpath.status import EMPTY

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stdout", screen)
    monkeypatch.setenv("COLUMNS", "60")
    lines = roadmap_lines(curriculum.load_track("backend"), EMPTY)
    print_markup(lines, wrap_last=1)
    shown = re.sub(r"\x1b\[[0-9;]*m", "", screen.getvalue()).splitlines()
    assert all(len(line) <= 60 for line in shown)
    assert any(line.endswith("…") for line in shown), "long tree lines are cut with an ellipsis"
    footer = plain(lines[-1])
    assert len(footer) > 60 and footer.startswith("Topics of a branch")
    tail = " ".join(shown[-3:])
    assert footer.split()[-4:] == tail.split()[-4:] and "--specialization" in tail


@pytest.fixture
def labelled(tmp_path, monkeypatch) -> Path:
    """The mini track with a planned exercise and a paid book in week 2."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURES / "mini", root)
    week2 = root / "mini" / "m02-sql.yaml"
    text = week2.read_text()
    text = text.replace("exercises: [blog-api]", "exercises: [job-queue]")
    text = text.replace("resources:\n", PAID_BOOK, 1)
    assert "job-queue" in text and "cost: paid" in text
    week2.write_text(text)
    monkeypatch.setenv("LEARNPATH_PATH", str(root))
    return root


PAID_BOOK = """resources:
  - title: A paid book on SQL
    url: https://example.org/sql-book
    type: book
    cost: paid
"""


def test_week_view_labels_exercises_and_paid_resources(cli, labelled):
    ready = cli("explore-roadmap", "mini", "--week", "1")
    assert ready.returncode == 0, ready.stderr
    assert "blog-api  graded: learnpath start blog-api" in ready.stdout
    assert "No graded exercise" not in ready.stdout
    planned = cli("explore-roadmap", "mini", "--week", "2")
    assert planned.returncode == 0, planned.stderr
    assert "job-queue  graded exercise coming" in planned.stdout
    assert "No graded exercise this week yet." in planned.stdout
    assert re.search(r"book paid +A paid book on SQL", planned.stdout), planned.stdout


def test_tree_labels_exercises(cli, labelled):
    result = cli("explore-roadmap", "mini")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any("Week  1 HTTP basics" in line and "· graded: blog-api" in line for line in lines)
    assert any("Week  2 " in line and "· job-queue: exercise coming" in line for line in lines)


def test_exports_label_exercises_and_paid_resources(cli, labelled, tmp_path):
    week = json.loads(cli("explore-roadmap", "mini", "--week", "2", "-f", "json").stdout)
    assert week["exercise_status"] == {"job-queue": "planned"}
    assert [r["cost"] for r in week["resources"]][:1] == ["paid"]
    data = json.loads(cli("explore-roadmap", "mini", "-f", "json").stdout)
    first = data["phases"][0]["weeks"][0]
    assert first["exercise_status"] == {"blog-api": "ready"}
    md = cli("explore-roadmap", "mini", "-f", "markdown").stdout
    assert "- [A paid book on SQL](https://example.org/sql-book) — book (paid)" in md
    assert "Exercises: `job-queue` (graded exercise coming)" in md
    assert "Exercises: `blog-api` (graded: learnpath start blog-api)" in md
    page = cli("explore-roadmap", "mini", "-f", "html").stdout
    assert 'A paid book on SQL</a> (book) <span class="paid">paid</span>' in page
    assert '<span class="ex planned">graded exercise coming</span>' in page
    assert '<span class="ex ready">graded: learnpath start blog-api</span>' in page
    assert page.count("<p>No graded exercise this week yet.</p>") == 1
