"""Where content comes from: the built-in folders, ``LEARNPATH_CONTENT`` and ``LEARNPATH_PATH``.

Only the catalog modules next to this one read these folders; everything else asks them for
definitions (tracks, exercises) or for an exercise's files (graders, starters, solutions, mutants).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

PATH_ENV = "LEARNPATH_PATH"
CONTENT_ENV = "LEARNPATH_CONTENT"


@cache
def builtin_root() -> Path:
    """The folder holding the shipped ``curriculum/``, ``exercises/`` and ``graders/``.

    In a wheel they are packaged under ``learnpath/_content``; in a source checkout (or an
    editable install) they are the top-level folders of the repository.
    """
    from importlib.resources import files

    packaged = Path(str(files("learnpath"))) / "_content"
    if (packaged / "curriculum").is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent


def _path_entries() -> list[Path]:
    return [
        Path(entry.strip()).expanduser()
        for entry in os.environ.get(PATH_ENV, "").split(os.pathsep)
        if entry.strip()
    ]


def curriculum_roots() -> list[Path]:
    """Curriculum roots in merge order: the built-in one, then each ``LEARNPATH_PATH`` entry."""
    return [builtin_root() / "curriculum", *_path_entries()]


def exercise_root() -> Path:
    """Where the main ``exercises/`` and ``graders/`` come from: the built-in content, or the
    folder in ``LEARNPATH_CONTENT`` (so tests and instructors can grade other content)."""
    override = os.environ.get(CONTENT_ENV)
    if override:
        return Path(override).expanduser().resolve()
    return builtin_root()


def exercise_dirs() -> list[Path]:
    """``exercises/`` folders in override order: the main one, then that of each
    ``LEARNPATH_PATH`` entry that has one (an instructor's exercise lives there with its
    ``graders/<id>/`` beside it; a later one wins on equal ids)."""
    found = [exercise_root() / "exercises"]
    found += [e / "exercises" for e in _path_entries() if (e / "exercises").is_dir()]
    return found
