"""Stage corruption: restore.sh verifies the backup before it restores anything, refuses a
damaged one loudly, and never writes into a folder that is not empty."""

import os
import random

import pytest
from conftest import RESTORE_REPRO, Drill, chown_tree, copy_backup, expecting, manifest

from learnpath.grading.files import Ran

expect = expecting(RESTORE_REPRO)


def flip(path, offset: int, n: int = 16) -> None:
    """Invert ``n`` bytes of ``path`` at ``offset`` (the file keeps its size)."""
    with path.open("r+b") as f:
        f.seek(offset)
        data = f.read(n)
        f.seek(offset)
        f.write(bytes(b ^ 0xFF for b in data))


def refused(drill: Drill, ran: Ran, target, what: str) -> None:
    shown = f"restore.sh --to '{drill.target}'"
    expect(
        ran.code != 0,
        f"{what}, yet `{shown}` exited 0 (its output: {ran.tail()}). Run pg_verifybackup on the "
        "backup before copying anything, and stop with a non-zero exit status when it fails",
    )
    expect(
        not (target / "PG_VERSION").exists(),
        f"{what}; restore.sh exited {ran.code}, but left a data directory in TARGET_PGDATA that "
        "a server could be started on: verify first, copy only a verified backup",
    )


@pytest.mark.stage("corruption")
def test_flipped_bytes_in_a_data_file_are_refused(drill: Drill, uid):
    """A backup with 16 bytes of a data file inverted is refused, and the file is named."""
    folder, copy = copy_backup(drill, "damaged-data")
    victim = copy / drill.ledger_file
    size = victim.stat().st_size
    rng = random.Random(f"flip-{uid}")
    flip(victim, rng.randrange(size // 4, size - 16))
    target = drill.lab.new_dir("restore-damaged-data")
    ran = drill.lab.run(
        "restore.sh", ("--to", drill.target), BACKUP_DIR=str(folder), TARGET_PGDATA=str(target)
    )
    what = f"16 bytes of {drill.ledger_file} in the backup were changed (its size was not)"
    refused(drill, ran, target, what)
    output = ran.stdout + ran.stderr
    expect(
        drill.ledger_file in output,
        f"{what}; restore.sh failed as it should, but its output does not name "
        f"{drill.ledger_file}: show what the verification found ({ran.tail()})",
    )


@pytest.mark.stage("corruption")
def test_damaged_wal_in_the_backup_is_refused(drill: Drill):
    """A backup whose own WAL is damaged where it starts is refused."""
    folder, copy = copy_backup(drill, "damaged-wal")
    ranges = manifest(copy).get("WAL-Ranges") or []
    expect(ranges, f"setup: the backup's manifest has no WAL-Ranges ({copy.name})")
    hi, lo = (int(x, 16) for x in str(ranges[0]["Start-LSN"]).split("/"))
    lsn = (hi << 32) | lo
    segments = sorted(p for p in (copy / "pg_wal").iterdir() if len(p.name) == 24)
    expect(segments, f"setup: the backup {copy.name} has no WAL segment in pg_wal")
    size = segments[0].stat().st_size
    segno = lsn // size
    per_id = 0x100000000 // size
    name = f"{int(ranges[0]['Timeline']):08X}{segno // per_id:08X}{segno % per_id:08X}"
    segment = copy / "pg_wal" / name
    expect(segment.is_file(), f"setup: the backup {copy.name} has no pg_wal/{name}")
    # the record the backup starts from: its header and CRC no longer match
    flip(segment, lsn % size + 4, 8)
    target = drill.lab.new_dir("restore-damaged-wal")
    ran = drill.lab.run(
        "restore.sh", ("--to", drill.target), BACKUP_DIR=str(folder), TARGET_PGDATA=str(target)
    )
    refused(
        drill,
        ran,
        target,
        f"the WAL record the backup starts from (pg_wal/{name}) was damaged; pg_verifybackup "
        "parses the backup's WAL and reports it",
    )


@pytest.mark.stage("corruption")
def test_refuses_a_target_that_is_not_empty(drill: Drill, uid):
    """restore.sh refuses a TARGET_PGDATA that is not empty, and changes nothing in it."""
    target = drill.lab.new_dir("restore-not-empty")
    marker = target / "precious.txt"
    marker.write_text(f"data that must survive {uid}\n", encoding="utf-8")
    (target / "PG_VERSION").write_text("15\n", encoding="utf-8")
    chown_tree(target, drill.lab.cluster)
    before = sorted(os.listdir(target))
    ran = drill.lab.run("restore.sh", ("--to", drill.target), TARGET_PGDATA=str(target))
    after = sorted(os.listdir(target))
    expect(
        ran.code != 0,
        f"TARGET_PGDATA already held {before}, yet restore.sh exited 0 (its output: "
        f"{ran.tail()}): refuse to restore into a folder that is not empty, it may be a live "
        "cluster's data directory",
    )
    expect(
        after == before and marker.read_text(encoding="utf-8").endswith(f"{uid}\n"),
        f"restore.sh refused the non-empty TARGET_PGDATA but changed it: it held {before}, now "
        f"{after[:10]}; check before writing anything",
    )
