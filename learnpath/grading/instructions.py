"""Stage instructions at hand: which stages a learner may read, and ``STAGES.md`` in the project.

A stage is *unlocked* once every stage before it has passed: the passed ones and the current
one. ``STAGES.md`` in the project folder collects the instructions of each stage as it unlocks,
so that the text a starter refers to ("stage 2") exists next to the code.
"""

from __future__ import annotations

import re
from pathlib import Path

from learnpath.content.exercises import ExerciseDef, StageDef

STAGES_FILE = "STAGES.md"
ALL_DONE = "*"  # the current stage when every stage has passed (as in the grading runner)
_MARK = re.compile(r"^<!-- stage: ([\w.-]+) -->$", re.M)


def unlocked(ex: ExerciseDef, current: str | None) -> list[StageDef]:
    """The stages a learner may read: those before ``current`` and ``current`` itself.

    ``current`` ``None`` (nothing passed yet) unlocks the first stage; ``ALL_DONE`` all of them.
    """
    if current == ALL_DONE:
        return list(ex.stages)
    ids = [s.id for s in ex.stages]
    end = ids.index(current) + 1 if current in ids else 1
    return list(ex.stages[:end])


def number(ex: ExerciseDef, stage: StageDef) -> int:
    """The 1-based position of ``stage`` in its exercise."""
    return [s.id for s in ex.stages].index(stage.id) + 1


def heading(ex: ExerciseDef, stage: StageDef) -> str:
    """``Stage 2 of 17: Sign up (register)``."""
    return f"Stage {number(ex, stage)} of {len(ex.stages)}: {stage.title} ({stage.id})"


def markdown(ex: ExerciseDef, stage: StageDef) -> str:
    """One stage's instructions as a Markdown section, marked so it is written once."""
    return f"<!-- stage: {stage.id} -->\n## {heading(ex, stage)}\n\n{stage.description.strip()}\n"


def sync_stages_file(project_dir: Path, ex: ExerciseDef, current: str | None) -> list[str]:
    """Append the instructions of every unlocked stage ``STAGES.md`` does not hold yet.

    Creates the file when needed and never rewrites what is there (a learner may take notes in
    it). Returns the ids of the stages appended.
    """
    from learnpath.atomic import write_atomic

    file = project_dir / STAGES_FILE
    text = file.read_text(encoding="utf-8") if file.is_file() else ""
    have = set(_MARK.findall(text))
    new = [s for s in unlocked(ex, current) if s.id not in have]
    if not new:
        return []
    if not text:
        text = (
            f"# {ex.title}: stage instructions\n\n"
            "Each stage is added here when it unlocks. `learnpath stage` prints your current "
            "stage, `learnpath stage --stage ID` an earlier one.\n"
        )
    parts = [text.rstrip("\n"), *(markdown(ex, s) for s in new)]
    write_atomic(file, "\n\n".join(parts))
    return [s.id for s in new]
