"""A non-editable install, run from another directory, finds its content."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow


def test_wheel_install_runs_explore_roadmap_from_elsewhere(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(ROOT)],
        check=True,
        timeout=600,
    )
    wheels = list(dist.glob("learnpath-*.whl"))
    assert len(wheels) == 1
    venv = tmp_path / "venv"
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
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "LEARNPATH_HOME": str(tmp_path / "home")}
    env.pop("LEARNPATH_PATH", None)
    result = subprocess.run(
        [str(venv / "bin" / "explore-roadmap"), "backend", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert sum(len(p["weeks"]) for p in data["phases"]) == 48
    # The content comes from the installed package, not from this checkout.
    where = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "from learnpath import paths; print(paths.content_root())",
        ],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv)
    assert not list(Path(where).rglob("node_modules"))
