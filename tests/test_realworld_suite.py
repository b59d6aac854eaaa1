"""Opt-in: the official RealWorld API suite (its Bruno copy) passes against both references.

The suite is not part of this repository. Point LEARNPATH_REALWORLD_DIR at a checkout of the
RealWorld repository (github.com/gothinkster/realworld: it holds specs/api/bruno) to run it:

    LEARNPATH_REALWORLD_DIR=~/src/realworld pytest tests/test_realworld_suite.py
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .conftest import BIN, ROOT, require_tool

pytestmark = pytest.mark.slow


@pytest.fixture
def realworld() -> Path:
    where = os.environ.get("LEARNPATH_REALWORLD_DIR")
    if not where:
        pytest.skip("opt-in: set LEARNPATH_REALWORLD_DIR to a RealWorld checkout")
    path = Path(where).expanduser()
    assert (path / "specs" / "api" / "bruno").is_dir(), f"{path} has no specs/api/bruno"
    return path


@pytest.mark.parametrize("solution", ["fastapi", "express"])
def test_official_suite_passes_against_the_reference(realworld, solution):
    require_tool("npm")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        [
            "bash",
            str(ROOT / "scripts" / "realworld-suite.sh"),
            "--realworld",
            str(realworld),
            "--solution",
            solution,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1].endswith("13 passed, 0 failed")
