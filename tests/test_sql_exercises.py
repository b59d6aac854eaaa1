"""The exercises graded from files (SQL, shell scripts, small programs) on real SQLite and
PostgreSQL: every reference passes, every starter fails an early stage, every mutant fails the
stage it targets, and each stage has a mutant on every stack (slow: ``learnpath check``)."""

from __future__ import annotations

import os

import pytest

from .conftest import BIN
from .exercise_proofs import assert_check_passes, assert_definition_complete

pytestmark = pytest.mark.slow

FILES_EXERCISES = [
    "sql-crud",
    "schema-design",
    "intermediate-sql",
    "query-tuning",
    "transactions",
    "dba-backup-restore",
    "dba-replication",
]


@pytest.fixture(autouse=True)
def _venv_first_on_path(monkeypatch):
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.mark.parametrize("exercise_id", FILES_EXERCISES)
def test_definition_is_ready_and_every_stage_names_its_week(exercise_id):
    assert_definition_complete(exercise_id, "files")


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("exercise_id", FILES_EXERCISES)
def test_check_proves_every_mutant_fails_its_stage(cli, exercise_id):
    assert_check_passes(cli, exercise_id)
