"""A non-editable install, run from another directory, finds its content and proves it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import BIN, FIXTURES, ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory) -> Path:
    """learnpath built as a wheel and installed (with its dependencies) into a fresh venv."""
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(ROOT)],
        check=True,
        timeout=600,
    )
    wheels = list(dist.glob("learnpath-*.whl"))
    assert len(wheels) == 1
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = [
        str(venv / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]
    subprocess.run([*pip, str(wheels[0])], check=True, timeout=900)
    return venv


@pytest.fixture
def elsewhere(tmp_path) -> tuple[Path, dict[str, str]]:
    """A folder outside the checkout, and an environment whose PATH lacks the dev venv."""
    where = tmp_path / "elsewhere"
    where.mkdir()
    path = os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep) if p and Path(p) != BIN
    )
    env = {**os.environ, "LEARNPATH_HOME": str(tmp_path / "home"), "PATH": path}
    for name in ("LEARNPATH_PATH", "LEARNPATH_CONTENT", "VIRTUAL_ENV"):
        env.pop(name, None)
    return where, env


def test_wheel_install_runs_explore_roadmap_from_elsewhere(wheel_venv, elsewhere):
    where, env = elsewhere
    result = subprocess.run(
        [str(wheel_venv / "bin" / "explore-roadmap"), "backend", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=where,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert sum(len(p["weeks"]) for p in data["phases"]) == 48
    # The content comes from the installed package, not from this checkout.
    content = subprocess.run(
        [
            str(wheel_venv / "bin" / "python"),
            "-c",
            "from learnpath.content import locations; print(locations.builtin_root())",
        ],
        capture_output=True,
        text=True,
        cwd=where,
        env=env,
        check=True,
    ).stdout.strip()
    assert Path(content).is_relative_to(wheel_venv)
    assert not list(Path(content).rglob("node_modules"))


def test_wheel_ships_the_blog_api_mutants_check_finds(wheel_venv, elsewhere):
    where, env = elsewhere
    result = subprocess.run(
        [str(wheel_venv / "bin" / "learnpath"), "check", "blog-api", "--list"],
        capture_output=True,
        text=True,
        cwd=where,
        env={**env, "COLUMNS": "200"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    shipped = sorted(p.stem for p in (ROOT / "exercises/blog-api/mutants").glob("*.yaml"))
    listed = sorted(
        line.split(":")[0].removeprefix("mutant ")
        for line in result.stdout.splitlines()
        if line.startswith("mutant ") and "(none for" not in line
    )
    assert listed == shipped
    assert "(none for" not in result.stdout  # every stage has a mutant


def test_wheel_check_proves_an_instructors_exercise(wheel_venv, elsewhere, tmp_path):
    where, env = elsewhere
    content = tmp_path / "my-content"
    shutil.copytree(FIXTURES / "content", content)
    result = subprocess.run(
        [str(wheel_venv / "bin" / "learnpath"), "check", "mini-api", "--json"],
        capture_output=True,
        text=True,
        cwd=where,
        env={**env, "LEARNPATH_CONTENT": str(content)},
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads(result.stdout)
    assert doc["status"] == "pass" and len(doc["proofs"]) == 5
    assert [(s["stage"], s["mutants"], s["killed"]) for s in doc["stages"]] == [
        ("health", 1, 1),
        ("users", 1, 1),
        ("lookup", 1, 1),
    ]
    leftovers = [p for p in Path(content).rglob("*") if p.name in ("node_modules", ".venv")]
    assert not leftovers  # nothing was installed into the instructor's folder
