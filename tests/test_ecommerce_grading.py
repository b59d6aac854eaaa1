"""The e-commerce graders against real servers on a throwaway PostgreSQL and the payment fake:
references pass, starters fail early and helpfully, every mutant fails its stage (slow)."""

from __future__ import annotations

import json
import os

import pytest

from .conftest import BIN, require_tool
from .test_ecommerce_content import CORE, EXTENSIONS

pytestmark = pytest.mark.slow

STAGES = CORE + EXTENSIONS


@pytest.fixture(autouse=True)
def _venv_first_on_path(monkeypatch):
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")


def test_fastapi_starter_passes_health_and_fails_accounts_helpfully(cli, tmp_path):
    project = tmp_path / "shop"
    made = cli("learnpath", "start", "ecommerce-api", str(project), "--stack", "fastapi")
    assert made.returncode == 0, made.stderr
    result = cli("learnpath", "grade", str(project), "--all", "--json", timeout=600)
    doc = json.loads(result.stdout)
    status = {s["stage"]: s for s in doc["stages"]}
    assert status["health"]["status"] == "pass", status["health"]
    accounts = status["accounts"]
    assert accounts["status"] == "fail"
    assert "not implemented yet" in accounts["message"] and "accounts" in accounts["message"]


# Three references, three starters and a few dozen mutants, each on its own PostgreSQL: minutes
# on an idle machine, more on a loaded one. Only a generous bound.
@pytest.mark.timeout(3600)
def test_check_proves_every_mutant_fails_its_stage(cli):
    """`learnpath check ecommerce-api`: every reference passes, starters fail early, every
    mutant fails the stage it targets, and every stage has a mutant on each stack."""
    require_tool("npm")
    result = cli("learnpath", "check", "ecommerce-api", "--jobs", "2", "--json", timeout=3500)
    bad = [line for line in result.stderr.splitlines() if line.startswith("FAIL")]
    assert result.returncode == 0 and not bad, "\n".join(bad) or result.stderr[-2000:]
    doc = json.loads(result.stdout)
    assert doc["status"] == "pass"
    assert [s["stage"] for s in doc["stages"]] == STAGES
    weak = [s for s in doc["stages"] if not 0 < s["killed"] == s["mutants"]]
    assert not weak, weak
    stacks = {"fastapi", "express", "django"}
    assert {p["name"] for p in doc["proofs"] if p["kind"] == "solution"} == stacks
    assert {p["name"] for p in doc["proofs"] if p["kind"] == "starter"} == stacks
