"""write_atomic: the old file or the new one, never half of one, and no temp file left."""

from __future__ import annotations

import os
import stat

import pytest

from learnpath import atomic
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


def test_a_symlink_planted_at_the_old_temp_name_is_not_written_through(tmp_path):
    # The temp name used to be predictable (.NAME.PID.tmp): a link planted there redirected
    # the write to any file the learner can write.
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / f".file.json.{os.getpid()}.tmp").symlink_to(outside)
    write_atomic(folder / "file.json", "new")
    assert outside.read_text() == "precious"
    assert (folder / "file.json").read_text() == "new"


def test_a_symlink_at_the_destination_is_replaced_not_followed(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    target = tmp_path / "data" / "file.json"
    target.parent.mkdir()
    target.symlink_to(outside)
    write_atomic(target, "new")
    assert outside.read_text() == "precious"
    assert not target.is_symlink()
    assert target.read_text() == "new"


def test_permissions_are_those_of_a_normal_file(tmp_path):
    target = tmp_path / "file.txt"
    old = os.umask(0o022)
    atomic._new_file_mode.cache_clear()  # read the umask set here
    try:
        write_atomic(target, "one")
        assert stat.S_IMODE(target.stat().st_mode) == 0o644
        target.chmod(0o600)
        write_atomic(target, "two")
    finally:
        os.umask(old)
        atomic._new_file_mode.cache_clear()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
