"""``learnpath grade --watch``: regrade when the project changes, or when Enter is pressed.

watchfiles (inotify/FSEvents) is the first choice; where it cannot watch (some network or
container file systems, inotify limits) the learner presses Enter instead.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from learnpath.grading.files import KEEP_FOLDER

# KEEP_FOLDER: `grade --keep` writes there during a grade, which must not start another one.
IGNORED_DIRS = {
    ".git",
    "node_modules",
    "__pycache__",
    ".venv",
    ".pytest_cache",
    ".mypy_cache",
    KEEP_FOLDER,
}
IGNORED_SUFFIXES = (".db", ".db-journal", ".db-wal", ".db-shm", ".pyc", ".log", ".swp", "~")


def relevant(path: str) -> bool:
    """Whether a changed path should trigger a regrade (source, not build output or data)."""
    parts = Path(path).parts
    if any(p in IGNORED_DIRS for p in parts):
        return False
    return not path.endswith(IGNORED_SUFFIXES)


def watch(
    project_dir: Path,
    grade_once: Callable[[], object],
    say: Callable[[str], None],
    *,
    use_watchfiles: bool = True,
    max_rounds: int | None = None,
) -> None:
    """Grade, then regrade on every change until Ctrl-C (or ``max_rounds``, for tests)."""
    rounds = 0
    grade_once()
    rounds += 1
    if use_watchfiles:
        try:
            from watchfiles import watch as changes

            say(f"watching {project_dir} for changes (Ctrl-C to stop)")
            for batch in changes(
                project_dir,
                watch_filter=lambda _change, path: relevant(path),
                debounce=300,
                raise_interrupt=True,
            ):
                if max_rounds is not None and rounds >= max_rounds:
                    return
                names = sorted({Path(p).name for _, p in batch})[:3]
                say(f"changed: {', '.join(names)} — grading again")
                grade_once()
                rounds += 1
            return
        except (ImportError, OSError, RuntimeError) as exc:
            say(f"cannot watch files here ({exc}); press Enter to grade again instead")
    while max_rounds is None or rounds < max_rounds:
        say("press Enter to grade again, Ctrl-C to stop")
        if not sys.stdin.readline():
            return  # stdin closed: nothing more will come
        grade_once()
        rounds += 1
