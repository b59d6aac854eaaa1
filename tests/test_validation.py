"""The validator reports every problem at once, compiler-style, and never crashes."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from learnpath.content import curriculum
from learnpath.errors import ContentError

from .conftest import FIXTURES

MINI = FIXTURES / "mini"


def copy_mini(tmp_path: Path) -> Path:
    dest = tmp_path / "mini-root"
    shutil.copytree(MINI, dest)
    return dest


def diagnostics(*targets: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        curriculum.validate_paths(list(targets))
    return [str(d) for d in info.value.diagnostics]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_mini_fixture_is_valid():
    tracks, _ = curriculum.validate_paths([MINI])
    assert set(tracks) == {"mini"}
    mini = tracks["mini"]
    assert [w.id for w in mini.weeks] == ["m01-http", "m02-sql"]
    assert {k: [w.id for w in v] for k, v in mini.branches.items()} == {
        "left": ["m03-left"],
        "right": ["m03-right"],
    }


def test_builtin_curriculum_is_valid_and_complete():
    tracks, roadmaps = curriculum.validate_paths([])
    backend = tracks["backend"]
    assert [w.week for w in backend.weeks] == list(range(1, 37))
    assert [p.id for p in backend.phases] == ["foundation", "core", "advanced", "specialization"]
    assert {s: len(ws) for s, ws in backend.branches.items()} == {
        "database-admin": 12,
        "system-architect": 12,
        "api-specialist": 12,
    }
    for w in backend.all_weeks():
        assert len(w.objectives) >= 3 and len(w.topics) >= 3, w.id
        assert len(w.resources) >= 2 and len(w.quiz) >= 3, w.id
        assert all(o.startswith("You can") for o in w.objectives), w.id
        assert all(r.url.startswith("https://") for r in w.resources), w.id
    cov = {row["path"]: row["percent"] for row in curriculum.coverage(backend, roadmaps)}
    # Topics are tagged only with the roadmap nodes they really teach: these floors are today's
    # honest figures, so an accidental loss of tags fails here.
    assert cov["main path"] >= 70
    assert cov["API Specialist"] >= 90
    assert cov["Database Admin"] >= 65


THREE_MISTAKES = """\
format_version: 1
id: {week3}
week: 3
phase: foundation
title: Broken
summary: A module with three different mistakes.
hours: ten
objectives: [You can a., You can b., You can c.]
topcis: []
topics:
  - id: broken-topic-a
    title: A
    roadmap: [not-a-slug]
  - id: broken-topic-b
    title: B
  - id: broken-topic-c
    title: C
resources:
  - {title: MDN, url: "https://developer.mozilla.org/", type: official}
  - {title: RFC, url: "https://www.rfc-editor.org/rfc/rfc9110", type: official}
quiz:
  - id: q1
    kind: single
    question: Q?
    choices: [{text: a, correct: true}, {text: b}]
    explanation: a.
  - id: q2
    kind: single
    question: Q?
    choices: [{text: a, correct: true}, {text: b}]
    explanation: a.
  - id: q3
    kind: single
    question: Q?
    choices: [{text: a, correct: true}, {text: b}]
    explanation: a.
"""


def broken_module(tmp_path: Path) -> Path:
    """An override of built-in week 3 with three different mistakes."""
    week3 = curriculum.load_track("backend").find_week(3)
    assert week3 is not None
    module = tmp_path / "broken.yaml"
    module.write_text(THREE_MISTAKES.replace("{week3}", week3.id))
    return module


def test_three_mistakes_give_three_positioned_errors(cli, tmp_path):
    module = broken_module(tmp_path)
    result = cli("learnpath", "validate", str(module), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines == [
        "broken.yaml:7:8: error: 'hours' must be a number, got 'ten'",
        "broken.yaml:9:1: error: unknown key 'topcis'; did you mean 'topics'?",
        "broken.yaml:13:15: error: unknown backend roadmap slug 'not-a-slug'",
    ]
    assert "3 errors in 1 file" in result.stderr


def test_github_and_json_formats(cli, tmp_path):
    module = broken_module(tmp_path)
    gh = cli("learnpath", "validate", str(module), "--format", "github", cwd=tmp_path)
    assert gh.returncode == 2
    assert gh.stdout.splitlines()[0] == (
        "::error file=broken.yaml,line=7,col=8::'hours' must be a number, got 'ten'"
    )
    js = cli("learnpath", "validate", str(module), "--format", "json", cwd=tmp_path)
    assert js.returncode == 2
    doc = json.loads(js.stdout)
    assert doc["ok"] is False
    assert [(e["line"], e["col"]) for e in doc["errors"]] == [(7, 8), (9, 1), (13, 15)]


def test_valid_curriculum_exit_zero_with_coverage(cli):
    result = cli("learnpath", "validate", str(MINI), "--coverage")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok: 1 track(s), 4 weeks, 12 topics, 12 questions" in result.stdout
    assert "coverage mini · main path · roadmap mini: 4/4 nodes = 100%" in result.stdout


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("m01-http.yaml", "week: 1\n", "week: [1\n", "YAML syntax error"),
        ("m01-http.yaml", "title: HTTP basics\n", "", "missing required key 'title'"),
        (
            "m01-http.yaml",
            "    title: HTTP verbs\n",
            "",
            "missing required key 'title' in the topic",
        ),
        ("m01-http.yaml", "hours: 5", "hours: 99", "'hours' must be between 1 and 40, got 99"),
        ("m01-http.yaml", "id: m01-http", "id: M01 HTTP", "'M01 HTTP' is not a valid id"),
        ("m01-http.yaml", "format_version: 1", "format_version: 2", "unsupported format_version 2"),
        (
            "m01-http.yaml",
            "exercises: [blog-api]",
            "exercises: [blog-apii]",
            "unknown exercise 'blog-apii'; did you mean 'blog-api'?",
        ),
        (
            "m01-http.yaml",
            "prerequisites: []",
            "prerequisites: [m99]",
            "unknown prerequisite 'm99'",
        ),
        (
            "m01-http.yaml",
            "prerequisites: []",
            "prerequisites: [m02-sql]",
            "prerequisite cycle: m01-http -> m02-sql -> m01-http",
        ),
        ("m01-http.yaml", "id: m-rest", "id: m-select", "duplicate topic id 'm-select'"),
        ("m01-http.yaml", "- id: q2", "- id: q1", "duplicate question id 'q1'"),
        (
            "m01-http.yaml",
            '      - text: "200"',
            '      - text: "200"\n        correct: true',
            "needs exactly one choice with 'correct: true', found 2",
        ),
        ("m01-http.yaml", "type: official", "type: blog", "'type' must be one of official"),
        ("m01-http.yaml", "phase: basics", "phase: basis", "unknown phase 'basis'"),
        ("m02-sql.yaml", "week: 2", "week: 1", "week 1 appears twice"),
        (
            "m03-left.yaml",
            "specialization: left",
            "specialization: middle",
            "unknown specialization 'middle'",
        ),
        ("m03-left.yaml", "specialization: left", "", "need a 'specialization'"),
        (
            "m01-http.yaml",
            "phase: basics",
            "phase: basics\nspecialization: left",
            "'specialization' is only for weeks of phase 'branch'",
        ),
        ("m01-http.yaml", "roadmap: [http]", "roadmap: [nope:http]", "unknown roadmap 'nope'"),
    ],
)
def test_each_mistake_is_reported_with_its_place(tmp_path, file, old, new, expected):
    root = copy_mini(tmp_path)
    edit(root / "mini" / file, old, new)
    found = diagnostics(root)
    assert any(expected in d for d in found), found
    assert all(d.split(":")[1].isdigit() and d.split(":")[2].isdigit() for d in found), found


def test_missing_week_is_reported_against_the_track_file(tmp_path):
    root = copy_mini(tmp_path)
    (root / "mini" / "m02-sql.yaml").unlink()
    (root / "mini" / "m03-right.yaml").unlink()
    found = diagnostics(root)
    assert any("track.yaml" in d and "phase 'basics' has no module for week 2" in d for d in found)
    assert any("specialization 'right' has no module for week 3" in d for d in found)


def test_oversized_file_and_alias_bomb_are_refused(tmp_path):
    root = copy_mini(tmp_path)
    (root / "mini" / "huge.yaml").write_text("x: " + "a" * (1024 * 1024 + 10) + "\n")
    # Small on disk, but a million nodes once the aliases are expanded.
    bomb = [
        "r: &r [" + ", ".join(["http"] * 1000) + "]",
        "t: &t {id: x, title: y, roadmap: *r}",
        "topics: [" + ", ".join(["*t"] * 1000) + "]",
    ]
    (root / "mini" / "bomb.yaml").write_text("\n".join(bomb) + "\n")
    found = diagnostics(root)
    assert any("huge.yaml:1:1: error: file is" in d and "the limit is" in d for d in found)
    assert any("bomb.yaml" in d and "alias bomb" in d for d in found)


def test_non_utf8_and_empty_files(tmp_path):
    root = copy_mini(tmp_path)
    (root / "mini" / "latin1.yaml").write_bytes("title: caf\xe9\n".encode("latin-1"))
    (root / "mini" / "empty.yaml").write_text("")
    found = diagnostics(root)
    assert any("latin1.yaml:1:1: error: file is not UTF-8" in d for d in found)
    assert any("empty.yaml:1:1: error: file is empty" in d for d in found)


def test_broken_content_gives_clean_errors_in_other_commands(cli, tmp_path):
    root = copy_mini(tmp_path)
    edit(root / "mini" / "m01-http.yaml", "hours: 5", "hours: five")
    result = cli("explore-roadmap", "mini", env={"LEARNPATH_PATH": str(root)})
    assert result.returncode == 2
    assert "m01-http.yaml:" in result.stderr and "'hours' must be a number" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_path(cli, tmp_path):
    result = cli("learnpath", "validate", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: no such file or folder")


def test_module_inside_track_folder_is_checked_in_context(tmp_path):
    root = copy_mini(tmp_path)
    module = root / "mini" / "m02-sql.yaml"
    edit(module, "prerequisites: [m01-http]", "prerequisites: [m01-htp]")
    found = diagnostics(module)
    assert any("unknown prerequisite 'm01-htp'; did you mean 'm01-http'?" in d for d in found)


@pytest.fixture
def overlay(tmp_path) -> Path:
    root = tmp_path / "overlay"
    (root / "mini").mkdir(parents=True)
    (root / "mini" / "track.yaml").write_text(
        textwrap.dedent(
            """\
            format_version: 1
            id: mini
            specializations:
              - id: middle
                title: Middle
                summary: A branch added by an instructor.
            """
        )
    )
    return root


def test_overlay_overrides_a_week_by_id(cli, mini, overlay):
    text = (MINI / "mini" / "m02-sql.yaml").read_text().replace("SQL basics", "SQL, our way")
    (overlay / "mini" / "m02-sql.yaml").write_text(text)
    middle = (MINI / "mini" / "m03-left.yaml").read_text()
    middle = middle.replace("m03-left", "m03-middle").replace(
        "specialization: left", "specialization: middle"
    )
    middle = middle.replace("m-left-", "m-middle-")
    (overlay / "mini" / "m03-middle.yaml").write_text(middle)
    env = {"LEARNPATH_PATH": f"{MINI}:{overlay}"}
    result = cli("explore-roadmap", "mini", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    week2 = data["phases"][0]["weeks"][1]
    assert (week2["id"], week2["title"]) == ("m02-sql", "SQL, our way")
    assert [s["id"] for s in data["specializations"]] == ["left", "right", "middle"]
    assert data["specializations"][2]["weeks"][0]["id"] == "m03-middle"


def test_overlay_with_new_id_for_an_existing_week_is_an_error(cli, mini, overlay):
    text = (MINI / "mini" / "m02-sql.yaml").read_text().replace("id: m02-sql", "id: m02-other")
    text = (
        text.replace("m-select", "o-select")
        .replace("m-insert", "o-insert")
        .replace("m-index", "o-index")
    )
    (overlay / "mini" / "m02-other.yaml").write_text(text)
    (overlay / "mini" / "track.yaml").write_text("format_version: 1\nid: mini\n")
    result = cli("explore-roadmap", "mini", env={"LEARNPATH_PATH": f"{MINI}:{overlay}"})
    assert result.returncode == 2
    assert "week 2 already has module 'm02-sql'" in result.stderr
    assert "give your module the id 'm02-sql' to override it" in result.stderr


@pytest.mark.parametrize("lone_first", [True, False])
def test_a_lone_module_overlays_backend_even_beside_another_track(tmp_path, lone_first):
    # `learnpath validate a/module.yaml b/` used to merge the lone module into b's track.
    builtin = curriculum.locations.curriculum_roots()[0] / "backend"
    week1 = next(p for p in sorted(builtin.rglob("w01-*.yaml")))
    lone = tmp_path / "a" / week1.name
    lone.parent.mkdir()
    lone.write_text(week1.read_text().replace("\ntitle: ", "\ntitle: Ours, ", 1))
    root = copy_mini(tmp_path)
    in_mini = root / "mini" / "m02-sql.yaml"
    targets = [lone, in_mini] if lone_first else [in_mini, lone]
    tracks, _ = curriculum.validate_paths(targets)
    assert tracks["backend"].weeks[0].title.startswith("Ours, ")
    assert [w.title for w in tracks["mini"].weeks][1] == "SQL basics"
