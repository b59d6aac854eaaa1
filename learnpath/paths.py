"""Where things live: the learner's data dir and the content shipped with learnpath."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

HOME_ENV = "LEARNPATH_HOME"
PATH_ENV = "LEARNPATH_PATH"
CONTENT_ENV = "LEARNPATH_CONTENT"


def user_dir() -> Path:
    """The per-user data dir (progress database, caches). ``LEARNPATH_HOME`` overrides it."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    # platformdirs is tiny; importing it here keeps it off the path of commands that don't need it.
    from platformdirs import user_data_path

    return user_data_path("learnpath", appauthor=False)


def cache_dir() -> Path:
    return user_dir() / "cache"


@cache
def content_root() -> Path:
    """The folder holding ``curriculum/``, ``exercises/`` and ``graders/``.

    In a wheel they are packaged under ``learnpath/_content``; in a source checkout (or an
    editable install) they are the top-level folders of the repository.
    """
    from importlib.resources import files

    packaged = Path(str(files("learnpath"))) / "_content"
    if (packaged / "curriculum").is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent


def curriculum_dirs() -> list[Path]:
    """Curriculum roots in merge order: the built-in one, then each ``LEARNPATH_PATH`` entry."""
    roots = [content_root() / "curriculum"]
    for entry in os.environ.get(PATH_ENV, "").split(os.pathsep):
        if entry.strip():
            roots.append(Path(entry.strip()).expanduser())
    return roots


def exercise_content_root() -> Path:
    """Where ``exercises/`` and ``graders/`` come from: the built-in content, or the folder in
    ``LEARNPATH_CONTENT`` (so tests and instructors can grade against other content)."""
    override = os.environ.get(CONTENT_ENV)
    if override:
        return Path(override).expanduser().resolve()
    return content_root()


def exercises_dir() -> Path:
    return exercise_content_root() / "exercises"


def exercise_dirs() -> list[Path]:
    """Exercise folders in override order: the content's ``exercises/``, then the
    ``exercises/`` folder of each ``LEARNPATH_PATH`` entry that has one (an instructor's
    exercise lives there with its ``graders/<id>/`` beside it; a later one wins on equal ids)."""
    found = [exercises_dir()]
    for entry in os.environ.get(PATH_ENV, "").split(os.pathsep):
        if entry.strip() and (Path(entry.strip()).expanduser() / "exercises").is_dir():
            found.append(Path(entry.strip()).expanduser() / "exercises")
    return found


def graders_dir() -> Path:
    return exercise_content_root() / "graders"
