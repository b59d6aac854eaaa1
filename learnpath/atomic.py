"""Writing a file so that readers see the old version or the new one, never half of one."""

from __future__ import annotations

import contextlib
import functools
import os
import stat
import tempfile
from pathlib import Path


@functools.cache
def _new_file_mode() -> int:
    """The mode ``open()`` would give a new file (mkstemp's own 0600 would hide it from others)."""
    # os.umask can only be read by setting it; do that once, not on every write.
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` (text is UTF-8) to a fresh temp file beside ``path``, then rename it over.

    The temp file is created exclusively (``mkstemp``), so a symlink planted at a guessable
    name is never written through; the rename replaces a symlink at ``path`` instead of
    following it. An existing file keeps its permissions. Raises ``OSError`` (read-only or full
    disk...) after removing the temp file; ``path`` is then unchanged.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        st = path.lstat()
        mode = stat.S_IMODE(st.st_mode) if stat.S_ISREG(st.st_mode) else _new_file_mode()
    except OSError:
        mode = _new_file_mode()
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(name, mode)
        os.replace(name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
