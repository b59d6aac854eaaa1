"""Stage synchronous: with SYNC=1 a commit returns only once the standby has the WAL."""

import psycopg
import pytest
from conftest import (
    SETTLE,
    CommitProbe,
    commit_completes,
    make_table,
    pg_errors,
    poll,
    replication_view,
    server_log,
    table_name,
    table_rows,
)

from learnpath.grading.checks import CheckFailure, expect
from learnpath.services.base import ServiceError


@pytest.mark.stage("synchronous")
def test_standby_is_synchronous_when_asked(streaming_sync):
    """With SYNC=1 the primary lists the standby as synchronous (sync_state sync)."""
    streaming_sync.wait_sync()


@pytest.mark.stage("synchronous")
def test_commit_waits_while_the_standby_is_down(streaming_sync):
    """With the standby stopped, a commit on the primary waits for it (wait event SyncRep)."""
    streaming_sync.wait_sync()
    pair, primary = streaming_sync, streaming_sync.primary
    table = table_name(pair, "payments")
    with pg_errors(f"writing {table} on the primary (the standby is up)"):
        want = make_table(primary, table, pair.rnd, 12)
    pair.sync_table = (table, want)
    pair.replica.stop("fast")
    try:
        row = (10**6 + pair.rnd.randint(1, 999), pair.rnd.randint(1, 99), "while-down")
        probe = CommitProbe(primary, f"INSERT INTO {table} VALUES (%s, %s, %s)", row)
        waited = probe.waits()
        if waited or probe.error is None:
            # Committed (locally, if its wait was cancelled): it reaches the standby later.
            pair.sync_table = (table, want | {row})
        else:
            raise CheckFailure(
                f"expected the INSERT into {table} to wait for the stopped standby, it failed: "
                f"{str(probe.error).strip()}"
            )
        expect(
            waited,
            f"expected a commit on the primary to wait while its synchronous standby "
            f"{pair.name!r} is stopped (pg_stat_activity.wait_event 'SyncRep'), it returned "
            f"at once: the commit was acknowledged with the WAL on the primary only. The "
            f"primary has {pair.sync_settings()}. Reproduce: stop the standby (pg_ctl stop -D "
            "<its data directory>), then INSERT on the primary: it must hang, with "
            "wait_event 'SyncRep' in pg_stat_activity",
        )
    finally:
        try:
            pair.replica.start()
        except ServiceError as exc:
            raise CheckFailure(f"setup: the standby did not start again: {exc}") from None


@pytest.mark.stage("synchronous")
def test_standby_catches_up_and_commits_flow_again(streaming_sync):
    """The standby catches up when it returns, and commits stop waiting."""
    streaming_sync.wait_sync()
    pair, primary, replica = streaming_sync, streaming_sync.primary, streaming_sync.replica
    table, want = pair.sync_table or (None, None)
    if table is None or want is None:
        table = table_name(pair, "payments")
        with pg_errors(f"writing {table} on the primary"):
            want = make_table(primary, table, pair.rnd, 12)
    expect(
        poll(lambda: table_rows(replica, table) == want, errors=(psycopg.Error,)),
        f"expected the standby to catch up with {table} ({len(want)} rows, including the one "
        f"committed while it was down) within {SETTLE:g} s of its return; "
        f"{replication_view(primary)}; the standby's log: {server_log(replica)}",
    )
    row = (2 * 10**6 + pair.rnd.randint(1, 999), 1, "after")
    problem = commit_completes(primary, f"INSERT INTO {table} VALUES (%s, %s, %s)", row)
    expect(
        problem is None,
        f"expected a commit on the primary to complete once its synchronous standby is back, "
        f"{problem}; the primary has {pair.sync_settings()}; {replication_view(primary)}",
    )
