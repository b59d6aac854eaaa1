"""The weekly HTTP and security exercises against real servers: every reference passes, every
starter fails an early stage, every mutant in ``mutants/`` fails the stage it targets, and each
stage has a mutant on every stack (slow: ``learnpath check``)."""

from __future__ import annotations

import os

import pytest

from .conftest import BIN
from .exercise_proofs import assert_check_passes, assert_definition_complete

pytestmark = pytest.mark.slow

HTTP_EXERCISES = [
    "hello-http",
    "rest-notes",
    "auth-jwt",
    "oauth-sessions",
    "owasp-probes",
    "error-logging",
]


@pytest.fixture(autouse=True)
def _venv_first_on_path(monkeypatch):
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.mark.parametrize("exercise_id", HTTP_EXERCISES)
def test_definition_is_ready_with_a_mutant_per_stage_and_stack(exercise_id):
    assert_definition_complete(exercise_id, "server")


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("exercise_id", HTTP_EXERCISES)
def test_check_proves_every_mutant_fails_its_stage(cli, exercise_id):
    assert_check_passes(cli, exercise_id)
