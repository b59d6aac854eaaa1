"""The learner's data dir: the progress database, hints and caches.

Content (tracks, exercises, graders) is found by :mod:`learnpath.content.locations`.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "LEARNPATH_HOME"


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
