"""Stage pitr: restore.sh --to TIME rebuilds the cluster as it was at TIME from the base backup
and the WAL archive, to the transaction; without --to, up to the end of the archive."""

import pytest
from conftest import (
    DATABASE,
    RESTORE_REPRO,
    Drill,
    compare_ledger,
    connect,
    expecting,
    query,
    read_ledger,
    restored,
)

expect = expecting(RESTORE_REPRO)


TABLES = "SELECT to_regclass('public.notes') IS NOT NULL"


@pytest.mark.stage("pitr")
def test_restore_to_time_recovers_and_promotes(drill: Drill):
    """restore.sh --to TIME prepares a copy that recovers and opens for writes on a new timeline."""
    server = restored(drill, "to-time")
    timeline = query(server, "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)")[0][0]
    expect(
        int(timeline, 16) > 1,
        f"the restored server still writes on timeline {int(timeline, 16)}: after a "
        "point-in-time recovery it must start a new timeline (recovery_target_action = "
        "'promote')",
    )
    with connect(server, DATABASE) as conn:
        conn.execute("CREATE TABLE after_restore (id int)")
        wrote = conn.execute("INSERT INTO after_restore VALUES (1) RETURNING id").fetchall()
    expect(wrote == [(1,)], "the restored server did not accept a write after promotion")


@pytest.mark.stage("pitr")
def test_table_dropped_after_time_is_back(drill: Drill):
    """After restore.sh --to TIME, the table dropped after TIME is back, with all its rows."""
    server = restored(drill, "to-time")
    exists = query(server, TABLES, database=DATABASE)[0][0]
    expect(
        exists,
        "after restore.sh --to TIME the table notes does not exist: recovery replayed past TIME, "
        "up to the DROP TABLE that came after it. Is recovery_target_time set from --to? "
        f"(TIME was '{drill.target}')",
    )
    rows = set(query(server, "SELECT id, body FROM notes", database=DATABASE))
    expect(
        rows == drill.notes,
        f"the restored notes table holds {len(rows)} rows, {len(rows & drill.notes)} of the "
        f"{len(drill.notes)} it held at TIME",
    )


@pytest.mark.stage("pitr")
def test_rows_are_exactly_those_committed_by_time(drill: Drill):
    """After restore.sh --to TIME, the ledger holds exactly what was committed at or before TIME.

    The transaction that committed exactly at TIME is in; nothing committed after it is.
    """
    server = restored(drill, "to-time")
    got = read_ledger(server)
    back = [i for i in drill.deleted_at_target if i in got]
    expect(
        not back,
        f"{len(back)} rows deleted by the transaction that committed exactly at TIME "
        f"('{drill.target}') are in the restored ledger: a transaction committed at TIME is "
        "part of the state at TIME (recovery_target_inclusive = on, the default)",
    )
    after = [i for i, row in got.items() if row[0] == "C"]
    expect(
        not after,
        f"{len(after)} rows written after TIME (batch C) are in the restored ledger: recovery "
        f"went past TIME ('{drill.target}'); is recovery_target_time set from --to?",
    )
    compare_ledger(
        got, drill.as_of_target, f"after restore.sh --to '{drill.target}'", RESTORE_REPRO
    )


@pytest.mark.stage("pitr")
def test_restore_without_to_replays_the_whole_archive(drill: Drill):
    """restore.sh without --to replays the whole archive: every change, the DROP TABLE too."""
    server = restored(drill, "latest")
    got = read_ledger(server)
    missing_c = [i for i, row in drill.at_end.items() if row[0] == "C" and i not in got]
    expect(
        not missing_c,
        f"after restore.sh without --to, {len(missing_c)} of the rows written last (batch C) "
        "are missing: without a target, recovery must replay the whole archive (set no "
        "recovery_target at all)",
    )
    compare_ledger(got, drill.at_end, "after restore.sh without --to", RESTORE_REPRO)
    exists = query(server, TABLES, database=DATABASE)[0][0]
    expect(
        not exists,
        "after restore.sh without --to, the table notes exists, but it was dropped before the "
        "last archived WAL segment: the restore stopped early",
    )
