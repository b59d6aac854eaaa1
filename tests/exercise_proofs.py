"""What the tests of every ready exercise assert: each stage names its week and has a mutant on
every stack, and ``learnpath check`` proves references, starters and mutants."""

from __future__ import annotations

import json
from typing import Any

from learnpath.content import exercises
from learnpath.content.mutants import load_mutants

from .conftest import require_tool


def assert_definition_complete(exercise_id: str, kind: str) -> None:
    """Ready, of ``kind``, every stage in one of the exercise's weeks, a reference per stack,
    and a mutant aimed at every stage on every stack."""
    ex = exercises.get(exercise_id)
    assert ex.status == "ready" and ex.kind == kind
    assert all(s.week in ex.weeks for s in ex.stages), [(s.id, s.week) for s in ex.stages]
    solutions = exercises.solutions(ex)
    assert set(solutions) == set(ex.stacks), "a reference solution per stack"
    mutants = load_mutants(ex, exercises.mutants_dir(ex))
    missing = [
        (stage.id, stack)
        for stage in ex.stages
        for stack in solutions
        if not any(m.stage == stage.id and m.solution == stack for m in mutants)
    ]
    assert not missing, f"stages without a mutant on a stack: {missing}"


def assert_check_passes(cli: Any, exercise_id: str) -> None:
    """`learnpath check ID`: references pass, starters fail early, every mutant is killed."""
    ex = exercises.get(exercise_id)
    if any(sd.language == "node" and sd.install for sd in ex.stacks.values()):
        require_tool("npm")
    result = cli("learnpath", "check", exercise_id, "--jobs", "2", "--json", timeout=1700)
    bad = [line for line in result.stderr.splitlines() if line.startswith("FAIL")]
    assert result.returncode == 0 and not bad, "\n".join(bad) or result.stderr[-2000:]
    doc = json.loads(result.stdout)
    assert doc["status"] == "pass"
    weak = [s for s in doc["stages"] if not 0 < s["killed"] == s["mutants"]]
    assert not weak, weak
