"""The parsed-curriculum cache: used when nothing changed, rebuilt when anything did."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest

from learnpath.content import curriculum
from learnpath.errors import ContentError

from .conftest import FIXTURES


@pytest.fixture
def root(tmp_path, monkeypatch):
    dest = tmp_path / "root"
    shutil.copytree(FIXTURES / "mini", dest)
    monkeypatch.setenv("LEARNPATH_PATH", str(dest))
    return dest


class _Forgetful(dict):
    """An in-process memo that keeps nothing, so these tests see the cache file at work."""

    def __setitem__(self, key, value):
        pass


@pytest.fixture(autouse=True)
def no_memo(request, monkeypatch):
    if "memo" not in request.keywords:
        monkeypatch.setattr(curriculum, "_loaded", _Forgetful())


@pytest.mark.memo
def test_one_process_reads_the_cache_file_once(root, home, monkeypatch):
    monkeypatch.setattr(curriculum, "_loaded", {})
    reads = []
    real = curriculum._read_cache
    monkeypatch.setattr(curriculum, "_read_cache", lambda *a: reads.append(1) or real(*a))
    curriculum.load_tracks()
    first = curriculum.load_tracks()
    assert reads == [1]
    (root / "mini" / "track.yaml").write_text(
        (root / "mini" / "track.yaml").read_text() + "\n", encoding="utf-8"
    )
    assert curriculum.load_tracks() == first  # a changed file is looked at again
    assert reads == [1, 1]


@pytest.fixture
def compiles(monkeypatch):
    calls = []
    real = curriculum.compile_tracks

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(curriculum, "compile_tracks", counting)
    return calls


def test_second_load_comes_from_cache(root, compiles, home):
    first = curriculum.load_tracks()
    second = curriculum.load_tracks()
    assert len(compiles) == 1
    assert first["mini"] == second["mini"]
    assert [w.source for w in first["mini"].all_weeks()] == [
        w.source for w in second["mini"].all_weeks()
    ]
    assert list((home / "cache").glob("curriculum-*.json"))


def test_cached_tracks_equal_freshly_compiled_ones(home):
    # Every model class goes through the cache: tuples stay tuples, sets stay sets.
    curriculum.load_tracks()
    cached = curriculum.load_tracks()
    fresh = curriculum.load_tracks(use_cache=False)
    assert cached == fresh
    week = cached["backend"].weeks[0]
    assert type(week.topics) is tuple and type(week.quiz[0].choices[0]).__name__ == "Choice"
    assert type(cached["backend"].exercises) is frozenset


class _Payload:
    def __reduce__(self):
        return (Path.touch, (Path(os.environ["LEARNPATH_HOME"]) / "pwned",))


def test_a_planted_pickle_in_the_cache_runs_no_code(root, compiles, home):
    # The cache folder may be writable by others (a shared or synced home): reading the cache
    # must never execute what is in it.
    curriculum.load_tracks()
    for f in (home / "cache").glob("curriculum-*"):
        # Keep a data format's header line so the payload is what gets parsed.
        head = f.read_bytes().split(b"\n", 1)[0] + b"\n" if f.suffix == ".json" else b""
        f.write_bytes(head + pickle.dumps(_Payload()))
    assert "mini" in curriculum.load_tracks()
    assert not (home / "pwned").exists()
    assert len(compiles) == 2


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs chown")
def test_a_cache_file_owned_by_someone_else_is_ignored(root, compiles, home):
    curriculum.load_tracks()
    for f in (home / "cache").glob("curriculum-*"):
        os.chown(f, 12345, 12345)
    assert "mini" in curriculum.load_tracks()
    assert len(compiles) == 2


def test_changed_file_invalidates(root, compiles):
    curriculum.load_tracks()
    module = root / "mini" / "m01-http.yaml"
    text = module.read_text().replace("HTTP basics", "HTTP, changed")
    module.write_text(text)
    st = module.stat()
    os.utime(module, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert curriculum.load_tracks()["mini"].weeks[0].title == "HTTP, changed"
    assert len(compiles) == 2


def test_added_and_removed_files_invalidate(root, compiles):
    curriculum.load_tracks()
    (root / "mini" / "m02-sql.yaml").rename(root / "m02-sql.yaml.off")
    with pytest.raises(ContentError, match="error"):
        curriculum.load_tracks()
    (root / "m02-sql.yaml.off").rename(root / "mini" / "m02-sql.yaml")
    assert [w.week for w in curriculum.load_tracks()["mini"].weeks] == [1, 2]


def test_broken_content_is_never_cached(root, compiles):
    module = root / "mini" / "m01-http.yaml"
    module.write_text(module.read_text().replace("hours: 5", "hours: x"))
    for _ in range(2):
        with pytest.raises(ContentError):
            curriculum.load_tracks()
    assert len(compiles) == 2


def test_damaged_cache_is_rebuilt(root, compiles, home):
    curriculum.load_tracks()
    for f in (home / "cache").glob("curriculum-*"):
        f.write_bytes(f.read_bytes()[:200])
    assert "mini" in curriculum.load_tracks()
    assert len(compiles) == 2


def test_unwritable_cache_only_costs_speed(root, compiles, home):
    # A file where the cache dir should be: every write fails, as on a read-only or full disk.
    (home / "cache").write_text("in the way")
    assert "mini" in curriculum.load_tracks()
    assert "mini" in curriculum.load_tracks()
    assert len(compiles) == 2
    assert (home / "cache").read_text() == "in the way"
