"""write_atomic: the old file or the new one, never half of one, and no temp file left."""

from __future__ import annotations

import pytest

from learnpath.atomic import write_atomic


def test_writes_and_replaces(tmp_path):
    target = tmp_path / "sub" / "file.json"
    write_atomic(target, "one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["file.json"]


def test_failure_leaves_the_old_file_and_no_temp(tmp_path):
    target = tmp_path / "file.txt"
    write_atomic(target, "old")
    (tmp_path / "blocker").mkdir()
    with pytest.raises(OSError):
        write_atomic(tmp_path / "blocker", "cannot replace a directory with a file")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "file.txt"]
