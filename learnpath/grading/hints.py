"""Hints revealed one at a time: how many of each stage's hints the learner has seen.

The count lives in the learner's data dir (``hints.json``), never in their project folder.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from learnpath import paths
from learnpath.atomic import write_atomic
from learnpath.content.exercises import ExerciseDef, StageDef


def _file() -> Path:
    return paths.user_dir() / "hints.json"


def _load() -> dict[str, dict[str, int]]:
    """The counts on file; whatever is malformed in it (hand edits, a truncated write) is
    dropped, so a broken file costs the learner at most a repeated hint, never a crash."""
    try:
        data = json.loads(_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(exercise): {
            str(stage): count
            for stage, count in stages.items()
            if isinstance(count, int) and not isinstance(count, bool) and count >= 0
        }
        for exercise, stages in data.items()
        if isinstance(stages, dict)
    }


def reveal(ex: ExerciseDef, stage: StageDef) -> tuple[list[str], bool]:
    """The hints shown so far for ``stage`` plus one more; ``True`` if none are left after it."""
    data = _load()
    seen = data.get(ex.id, {}).get(stage.id, 0)
    shown = min(seen + 1, len(stage.hints))
    data.setdefault(ex.id, {})[stage.id] = shown
    with contextlib.suppress(OSError):
        # a read-only data dir only means the next call shows the same hints
        write_atomic(_file(), json.dumps(data, indent=1))
    return list(stage.hints[:shown]), shown >= len(stage.hints)
