"""Stage archiving: setup.sh turns on continuous WAL archiving, and the archive_command keeps
PostgreSQL's contract: exit 0 only once the segment is stored, never overwrite one."""

import os

import pytest
from conftest import (
    ARCHIVING_REPRO,
    SETTLE,
    Lab,
    connect,
    expecting,
    log_excerpt,
    query,
    wal_segment_size,
    with_repro,
)

from learnpath.grading.checks import CheckFailure

expect = expecting(ARCHIVING_REPRO)


@pytest.fixture(scope="session")
def archiving(primary) -> Lab:
    """The primary after setup.sh and the restart archive_mode needs."""
    ran = primary.archiving()
    if ran.code != 0:
        raise CheckFailure(
            with_repro(
                f"expected setup.sh to exit 0, it exited {ran.code}; its output: {ran.tail()}",
                ARCHIVING_REPRO,
            )
        )
    return primary


def settings(lab: Lab) -> dict[str, str]:
    rows = query(
        lab.cluster,
        "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
        (["archive_mode", "archive_command", "wal_level"],),
    )
    return dict(rows)


def require_archive_mode(lab: Lab) -> None:
    mode = settings(lab)["archive_mode"]
    expect(
        mode in ("on", "always"),
        f"archive_mode is '{mode}' after setup.sh and a restart, so nothing is archived at all: "
        "setup.sh must set it (ALTER SYSTEM SET archive_mode = 'on')",
    )


def archive_listing(lab: Lab) -> str:
    names = sorted(p.name for p in lab.archive.iterdir())
    return ", ".join(names[:8]) + (" ..." if len(names) > 8 else "") if names else "nothing"


@pytest.mark.stage("archiving")
def test_setup_turns_archiving_on(archiving):
    """After setup.sh and a restart, archive_mode is on, wal_level replica, archive_command set."""
    got = settings(archiving)
    expect(
        got["archive_mode"] in ("on", "always"),
        f"expected archive_mode 'on' after setup.sh and a restart, got '{got['archive_mode']}' "
        "(ALTER SYSTEM SET archive_mode = 'on'; it needs the restart the grader does)",
    )
    expect(
        got["wal_level"] in ("replica", "logical"),
        f"expected wal_level 'replica' (or 'logical') after setup.sh, got '{got['wal_level']}': "
        "'minimal' WAL cannot rebuild a base backup's changes",
    )
    expect(
        got["archive_command"].strip() not in ("", "(disabled)"),
        "expected archive_command to be set after setup.sh, it is empty",
    )


@pytest.mark.stage("archiving")
def test_switched_segment_reaches_the_archive(archiving):
    """A segment closed by pg_switch_wal() is archived: counted, in ARCHIVE_DIR, whole, identical.

    pg_stat_archiver must count it, and ARCHIVE_DIR must hold a file of that name, of the full
    segment size, byte for byte the server's copy in pg_wal.
    """
    lab = archiving
    require_archive_mode(lab)
    before = lab.archiver()
    segment = lab.switch_wal("archiving check")
    now = lab.wait_archiver(segment, before)
    if not lab.archived(segment, now):
        if now["failed_count"] > before["failed_count"]:
            raise CheckFailure(
                with_repro(
                    f"archive_command failed for {segment} (pg_stat_archiver: failed_count "
                    f"{now['failed_count']}, last_failed_wal {now['last_failed_wal']}); the server "
                    "log says: " + _failures(lab),
                    ARCHIVING_REPRO,
                )
            )
        raise CheckFailure(
            with_repro(
                f"after SELECT pg_switch_wal(), {segment} was neither archived nor reported failed "
                f"within {SETTLE:g} s (pg_stat_archiver: {now}); ARCHIVE_DIR holds "
                + archive_listing(lab),
                ARCHIVING_REPRO,
            )
        )
    path = lab.archive / segment
    expect(
        path.is_file(),
        f"PostgreSQL counts {segment} as archived (archive_command exited 0), but ARCHIVE_DIR "
        f"holds no file named {segment} (it holds {archive_listing(lab)}): an archive_command "
        "must exit 0 only once the segment is stored under its own name (%f) in the archive",
    )
    size = wal_segment_size(lab.cluster)
    got = path.stat().st_size
    expect(
        got == size,
        f"the archived {segment} holds {got} bytes, a WAL segment holds {size}: copy the file "
        "%p points at, whole",
    )
    original = lab.cluster.data_dir / "pg_wal" / segment
    if original.is_file():
        expect(
            original.read_bytes() == path.read_bytes(),
            f"the archived {segment} differs from the server's pg_wal/{segment}: copy %p as is",
        )


@pytest.mark.stage("archiving")
def test_never_overwrites_an_archived_segment(archiving):
    """archive_command fails, and changes nothing, when ARCHIVE_DIR already has the segment's name.

    Once the conflicting file is gone, archiving catches up.
    """
    lab = archiving
    require_archive_mode(lab)
    lab.switch_wal("before the conflict")  # start from a fresh segment with a write in it
    with connect(lab.cluster) as conn:
        conn.execute("INSERT INTO grader_marks VALUES ('conflict', clock_timestamp())")
        segment = conn.execute("SELECT pg_walfile_name(pg_current_wal_insert_lsn())").fetchone()[0]
    planted = lab.archive / segment
    foreign = os.urandom(65536)
    planted.write_bytes(foreign)
    if lab.cluster.user is not None:
        os.chown(planted, lab.cluster.user.uid, lab.cluster.user.gid)
    planted.chmod(0o600)
    before = lab.archiver()
    switched = lab.switch_wal("conflict")
    expect(switched == segment, f"setup: expected to close {segment}, closed {switched}")
    now = lab.wait_archiver(segment, before)
    kept = planted.is_file() and planted.read_bytes() == foreign
    if lab.archived(segment, now):
        what = (
            "and left the other file in place, so the archive does not hold this segment "
            "(a `cp -n` exits 0 when it skips a file: test for the file yourself)"
            if kept
            else "and overwrote it"
        )
        raise CheckFailure(
            with_repro(
                f"ARCHIVE_DIR already held a different file named {segment}; archive_command "
                f"reported success for {segment} {what}. It must fail (exit non-zero) when the "
                "file exists, e.g. `test ! -f .../%f && cp %p .../%f`",
                ARCHIVING_REPRO,
            )
        )
    stuck = now["last_failed_wal"]
    expect(
        stuck is None or stuck[:24] >= segment,
        f"archiving fails for {stuck}, a segment before the one this check closed, so it never "
        "gets to the conflict (see the check before); the server log says: " + _failures(lab),
    )
    expect(
        now["failed_count"] > before["failed_count"],
        f"with a different file named {segment} already in ARCHIVE_DIR, the archiver neither "
        f"archived nor failed within {SETTLE:g} s (pg_stat_archiver: {now})",
    )
    expect(
        kept,
        f"archive_command failed for {segment} as it should, but changed the file that was "
        "already in ARCHIVE_DIR: never write to an existing archived segment",
    )
    planted.unlink()
    before = lab.archiver()
    later = lab.switch_wal("after the conflict")
    now = lab.wait_archiver(later, before, failures=False)
    expect(
        lab.archived(later, now) and (lab.archive / segment).is_file(),
        f"after the conflicting file was removed, {segment} and {later} were not archived "
        f"within {SETTLE:g} s (pg_stat_archiver: {now}); the server log says: " + _failures(lab),
    )
    expect(
        (lab.archive / segment).stat().st_size == wal_segment_size(lab.cluster),
        f"after the conflicting file was removed, the archived {segment} is not a whole segment",
    )


def _failures(lab: Lab) -> str:
    return log_excerpt(lab.cluster, grep=("archive", "cp:", "No such", "ermission"), n=6)
