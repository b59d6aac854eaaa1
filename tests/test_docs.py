"""Generated docs stay in step with the code."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def test_generated_docs_are_fresh():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, (
        f"{result.stdout}{result.stderr}\nrun: python scripts/gen_docs.py"
    )


def test_readme_quick_start_names_the_two_scripts():
    readme = (ROOT / "README.md").read_text()
    assert "./scripts/run" in readme and "./scripts/test" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/test" in ci
