"""The Blog API graders against real servers: references pass, starters and mutants fail (slow)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from learnpath.grading.process import Backend, port_is_free

from .conftest import BIN, ROOT, require_tool
from .test_blog_api_content import CORE, EXTENSIONS

pytestmark = pytest.mark.slow

EXERCISE = ROOT / "exercises" / "blog-api"
STAGES = CORE + EXTENSIONS
COPY_IGNORE = shutil.ignore_patterns("node_modules", "*.db", "*.db-*", "__pycache__")


@pytest.fixture(autouse=True)
def _venv_first_on_path(monkeypatch):
    # `python -m uvicorn` in the run command must be the test interpreter's
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")


def _npm_ci(folder: Path) -> None:
    npm = require_tool("npm")
    require_tool("node")
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--prefer-offline"],
        cwd=folder,
        check=True,
        capture_output=True,
        timeout=600,
    )


def _grade(cli, project: Path, *args: str) -> tuple[dict, subprocess.CompletedProcess]:
    result = cli("learnpath", "grade", str(project), "--json", *args, timeout=300)
    assert result.stdout.strip(), result.stderr
    return json.loads(result.stdout), result


def _assert_nothing_left(result: subprocess.CompletedProcess, project: Path) -> None:
    """The server's port is free and no process still runs in the project folder."""
    ports = re.findall(r"starting your server on port (\d+)", result.stdout + result.stderr)
    assert ports, result.stderr
    assert all(port_is_free(int(p)) for p in ports)
    root = project.resolve()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cwd = (entry / "cwd").resolve()
            except OSError:
                continue
            assert cwd != root, f"process {entry.name} still runs in {root}"


def _assert_all_pass(doc: dict, result: subprocess.CompletedProcess) -> None:
    failed = [f"{s['stage']}: {s['message']}" for s in doc["stages"] if s["status"] != "pass"]
    if doc["status"] != "pass" or failed:
        pytest.fail("stages failed: " + "; ".join(failed) + "\n" + result.stderr[-1500:])
    assert [s["stage"] for s in doc["stages"]] == STAGES


def test_fastapi_reference_passes_every_stage(cli, tmp_path):
    project = tmp_path / "fastapi"
    shutil.copytree(EXERCISE / "solutions" / "fastapi", project, ignore=COPY_IGNORE)
    doc, result = _grade(cli, project, "--all")
    _assert_all_pass(doc, result)
    _assert_nothing_left(result, project)


def test_express_reference_passes_every_stage(cli, tmp_path):
    project = tmp_path / "express"
    shutil.copytree(EXERCISE / "solutions" / "express", project, ignore=COPY_IGNORE)
    _npm_ci(project)
    doc, result = _grade(cli, project, "--all")
    _assert_all_pass(doc, result)
    _assert_nothing_left(result, project)


def test_a_server_graded_with_url_passes_and_skips_what_needs_learnpath_to_start_it(cli, tmp_path):
    """--url: every core stage passes; the restart and database-file stages say why they were
    not checked (skip, not fail); the overall verdict is pass."""
    project = tmp_path / "fastapi"
    shutil.copytree(EXERCISE / "solutions" / "fastapi", project, ignore=COPY_IGNORE)
    (project / "learnpath.yml").write_text("exercise: blog-api\n")  # no run: not needed
    run = f"{sys.executable} -m uvicorn app.main:app --host 127.0.0.1 --port $PORT"
    env = {"DATABASE_PATH": str(tmp_path / "own.db"), "JWT_SECRET": "x" * 40}
    with Backend(project, run, env=env) as backend:  # the learner's own server, not learnpath's
        backend.start()
        doc, result = _grade(cli, project, "--url", backend.url, "--all")
    status = {s["stage"]: s for s in doc["stages"]}
    assert doc["status"] == "pass" and result.returncode == 0, result.stderr[-2000:]
    assert all(status[s]["status"] == "pass" for s in CORE), doc["stages"]
    for stage in ("persistence", "password-storage"):
        assert status[stage]["status"] == "skip", status[stage]
        assert status[stage]["message"].startswith("not checked with --url: ")
    skipped = [t for t in doc["tests"] if t["status"] == "skip"]
    assert skipped and all(t["message"] for t in skipped)


@pytest.mark.parametrize("stack", ["fastapi", "express"])
def test_starter_passes_health_and_fails_register_helpfully(cli, tmp_path, stack):
    project = tmp_path / f"starter-{stack}"
    made = cli("learnpath", "start", "blog-api", str(project), "--stack", stack)
    assert made.returncode == 0, made.stderr
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "Stage 1: The server answers" in readme and "What the grader checks" in readme
    assert "## About this starter" in readme  # the starter's own notes reach the learner
    assert "replaces this file" not in readme
    assert "database: conduit.db" in (project / "learnpath.yml").read_text(encoding="utf-8")
    if stack == "express":
        _npm_ci(project)
    doc, result = _grade(cli, project, "--all")
    assert result.returncode == 1, result.stderr
    status = {s["stage"]: s["status"] for s in doc["stages"]}
    assert status["health"] == "pass", doc["stages"][0]
    assert status["register"] == "fail"
    register = next(s for s in doc["stages"] if s["stage"] == "register")
    assert "expected status 201" in register["message"]
    assert "not implemented yet" in register["message"] and "stage 2" in register["message"]
    _assert_nothing_left(result, project)


# About a hundred gradings: minutes on an idle machine, many more on a loaded one. Only a
# generous bound, so a busy machine slows this test down but never fails it.
@pytest.mark.timeout(3600)
def test_check_proves_every_mutant_fails_its_stage(cli):
    """`learnpath check blog-api`: references pass, starters fail early, every mutant fails."""
    require_tool("npm")
    result = cli("learnpath", "check", "blog-api", "--jobs", "2", "--json", timeout=3500)
    bad = [line for line in result.stderr.splitlines() if line.startswith("FAIL")]
    assert result.returncode == 0 and not bad, "\n".join(bad) or result.stderr[-2000:]
    doc = json.loads(result.stdout)
    assert doc["status"] == "pass"
    assert [s["stage"] for s in doc["stages"]] == STAGES
    weak = [s for s in doc["stages"] if not 0 < s["killed"] == s["mutants"]]
    assert not weak, weak
    assert {p["name"] for p in doc["proofs"] if p["kind"] == "solution"} == {"fastapi", "express"}
    starters = {p["name"] for p in doc["proofs"] if p["kind"] == "starter"}
    assert starters == {"fastapi", "express", "django"}
