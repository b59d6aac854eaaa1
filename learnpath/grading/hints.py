"""Hints revealed one at a time: how many of each stage's hints the learner has seen.

The count lives in the learner's data dir (``hints.json``), never in their project folder.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from learnpath import paths
from learnpath.atomic import write_atomic
from learnpath.exercises import ExerciseDef, StageDef


def _file() -> Path:
    return paths.user_dir() / "hints.json"


def _load() -> dict[str, dict[str, int]]:
    try:
        data = json.loads(_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def reveal(ex: ExerciseDef, stage: StageDef) -> tuple[list[str], bool]:
    """The hints shown so far for ``stage`` plus one more; ``True`` if none are left after it."""
    data = _load()
    seen = int(data.get(ex.id, {}).get(stage.id, 0))
    shown = min(seen + 1, len(stage.hints))
    data.setdefault(ex.id, {})[stage.id] = shown
    with contextlib.suppress(OSError):
        # a read-only data dir only means the next call shows the same hints
        write_atomic(_file(), json.dumps(data, indent=1))
    return list(stage.hints[:shown]), shown >= len(stage.hints)
