"""Stage base-backup: backup.sh takes a plain-format base backup with its WAL and a manifest of
checksums into a new folder of BACKUP_DIR, and fails loudly when it cannot."""

import shutil
from pathlib import Path

import pytest
from conftest import (
    BACKUP_REPRO,
    Primary,
    chown_tree,
    compare_ledger,
    expecting,
    log_excerpt,
    manifest,
    read_ledger,
    wal_segment_size,
    with_repro,
)

from learnpath.grading.checks import CheckFailure
from learnpath.grading.process import free_port
from learnpath.services.base import ServiceError
from learnpath.services.postgres import Cluster

expect = expecting(BACKUP_REPRO)


@pytest.fixture(scope="session")
def backed(primary: Primary) -> Primary:
    """The primary with a ledger of random rows, and backup.sh run once against it."""
    primary.first_backup()
    return primary


def the_backup(lab: Primary) -> Path:
    """The one backup the first run of backup.sh made, or a failure saying what it did."""
    ran = lab.first_backup()
    expect(
        ran.code == 0,
        f"expected backup.sh to exit 0 with the server up, it exited {ran.code}; its output: "
        f"{ran.tail()}",
    )
    expect(
        not (lab.backups / "backup_manifest").exists(),
        "backup.sh wrote the backup straight into BACKUP_DIR: write each backup into a new "
        "folder inside it (e.g. $BACKUP_DIR/base-<time>), so that it can keep several",
    )
    found = lab.first_backups
    expect(
        len(found) == 1,
        f"expected backup.sh to leave one backup in BACKUP_DIR (a folder holding a "
        f"backup_manifest: pg_basebackup writes one unless told not to), found {len(found)}; "
        f"BACKUP_DIR holds {sorted(p.name for p in lab.backups.iterdir()) or 'nothing'}",
    )
    return found[0]


def segment_name(timeline: int, lsn: str, size: int) -> str:
    """The WAL file name holding ``lsn`` ('0/3000028') on ``timeline``."""
    hi, lo = (int(x, 16) for x in lsn.split("/"))
    segno = ((hi << 32) | lo) // size
    per_id = 0x100000000 // size
    return f"{timeline:08X}{segno // per_id:08X}{segno % per_id:08X}"


@pytest.mark.stage("base-backup")
def test_backup_has_a_manifest_with_checksums_and_verifies(backed):
    """backup.sh writes one verified plain-format backup with a checksum for every file."""
    backup = the_backup(backed)
    expect(
        (backup / "PG_VERSION").is_file(),
        f"{backup.name} holds no PG_VERSION: take a plain-format backup (-Fp), a data directory "
        "that can be checked with pg_verifybackup and copied back as it is",
    )
    files = manifest(backup).get("Files") or []
    without = [f.get("Path", "?") for f in files if f.get("Checksum-Algorithm", "NONE") == "NONE"]
    expect(
        files and not without,
        f"backup_manifest lists {len(without)} of {len(files)} files without a checksum (e.g. "
        f"{', '.join(without[:3])}): without checksums only file sizes can be verified, and a "
        "flipped byte goes unnoticed. Leave --manifest-checksums at CRC32C or choose SHA256",
    )
    ok, out = backed.verify(backup)
    expect(ok, f"pg_verifybackup {backup.name} fails: {out}")


@pytest.mark.stage("base-backup")
def test_backup_carries_its_wal_and_starts_on_its_own(backed):
    """The backup holds its WAL: a copy starts with no archive and holds the rows it should."""
    backup = the_backup(backed)
    ranges = manifest(backup).get("WAL-Ranges") or []
    expect(ranges, "backup_manifest has no WAL-Ranges: is it a manifest written by pg_basebackup?")
    name = segment_name(
        int(ranges[0]["Timeline"]), str(ranges[0]["Start-LSN"]), wal_segment_size(backed.cluster)
    )
    expect(
        (backup / "pg_wal" / name).is_file(),
        f"the backup's pg_wal has no {name}, the WAL segment the backup starts in: without the "
        "WAL written during the backup, the copied files are inconsistent and the backup "
        "cannot be restored on its own. Use --wal-method=stream (or fetch)",
    )
    copy = backed.new_dir("standalone")
    shutil.copytree(backup, copy, symlinks=True, dirs_exist_ok=True)
    chown_tree(copy, backed.cluster)
    copy.chmod(0o700)
    started = Cluster.on_existing(copy, name="standalone")
    backed.restored.append(started)
    try:
        started.start()
    except ServiceError as exc:
        raise CheckFailure(
            with_repro(
                f"PostgreSQL did not start on a copy of the backup {backup.name} (no archive, only "
                f"the WAL inside it): {exc}",
                BACKUP_REPRO,
            )
        ) from None
    try:
        got = read_ledger(started)
    except Exception as exc:  # any database error is the backup's
        raise CheckFailure(
            with_repro(
                f"a copy of the backup started, but reading the ledger table failed: {exc}; log: "
                + log_excerpt(started),
                BACKUP_REPRO,
            )
        ) from None
    finally:
        started.close()
        shutil.rmtree(copy, ignore_errors=True)
    compare_ledger(
        got, backed.rows_at_backup, "a copy of the backup, started on its own", BACKUP_REPRO
    )


@pytest.mark.stage("base-backup")
def test_each_run_adds_a_backup(backed):
    """Run again after more writes, backup.sh adds a backup and keeps the earlier ones intact."""
    first = the_backup(backed)
    # A BACKUP_DIR of its own holding the first backup: the shared one stays as the drill of
    # the pitr stage expects it, whatever order the stages run in.
    folder = backed.new_dir("backups-again")
    shutil.copytree(first, folder / first.name, symlinks=True)
    chown_tree(folder, backed.cluster)
    earlier = backed.backup_folders(folder)
    backed.insert(backed.batch("A", 30))
    ran = backed.run("backup.sh", BACKUP_DIR=str(folder))
    expect(
        ran.code == 0,
        f"expected a second run of backup.sh to exit 0, it exited {ran.code}; its output: "
        f"{ran.tail()}",
    )
    found = backed.backup_folders(folder)
    listing = sorted(p.name for p in folder.iterdir())
    expect(
        len(found) == len(earlier) + 1 and set(earlier) <= set(found),
        f"BACKUP_DIR held {[p.name for p in earlier]} before another run of backup.sh and "
        f"{listing} after it: each run must add a folder and keep the earlier backups (deleting "
        "old ones is a retention policy's job, after a newer backup verified)",
    )
    ok, out = backed.verify(folder / first.name)
    expect(ok, f"the first backup {first.name} no longer verifies after another run: {out}")


@pytest.mark.stage("base-backup")
def test_backup_fails_loudly(backed):
    """With no server at PGPORT, backup.sh exits non-zero instead of reporting success."""
    port = str(free_port())
    elsewhere = backed.new_dir("backups-nowhere")
    ran = backed.run("backup.sh", PGPORT=port, BACKUP_DIR=str(elsewhere))
    expect(
        ran.code != 0,
        f"with PGPORT={port} (no server listens there) backup.sh exited 0; its output: "
        f"{ran.tail()}. Stop at the first failing command (set -euo pipefail) and exit non-zero, "
        "so the scheduler and monitoring see the failure",
    )
