"""Shared fixtures. No test ever touches the real learner's data dir."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("learnpath-home")
    monkeypatch.setenv("LEARNPATH_HOME", str(home))
    monkeypatch.delenv("LEARNPATH_PATH", raising=False)
    monkeypatch.delenv("LEARNPATH_DEBUG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    return home


@pytest.fixture
def home(_isolated_home) -> Path:
    return _isolated_home


def require_tool(name: str) -> str:
    """The path of an external tool; skip without it, except in CI where it must be there."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("LEARNPATH_REQUIRE_ALL"):
            pytest.fail(f"{name} is required in CI but is not installed")
        pytest.skip(f"{name} is not installed")
    return path


class CLI:
    """Runs the real console scripts in a subprocess, as a learner would."""

    def __call__(
        self,
        program: str,
        *args: str,
        env: dict | None = None,
        input: str | None = None,
        cwd: Path | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess:
        exe = BIN / program
        cmd = [str(exe), *args] if exe.exists() else [sys.executable, "-m", "learnpath", *args]
        full_env = {**os.environ, **(env or {})}
        return subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            env=full_env,
            input=input,
            cwd=cwd,
            timeout=timeout,
        )


@pytest.fixture
def cli() -> CLI:
    return CLI()


@pytest.fixture
def mini(monkeypatch) -> Path:
    """The four-week fixture track, on LEARNPATH_PATH."""
    root = FIXTURES / "mini"
    monkeypatch.setenv("LEARNPATH_PATH", str(root))
    return root
