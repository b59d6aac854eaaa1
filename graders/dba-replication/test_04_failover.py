"""Stage failover: the primary dies; failover.sh promotes the standby and returns once it is
the new primary."""

import psycopg
import pytest
from conftest import (
    SETTLE,
    commit_completes,
    connect,
    make_table,
    one,
    pg_errors,
    replication_view,
    server_log,
    table_name,
    table_rows,
)

from learnpath.grading.checks import CheckFailure, expect

# The grader's recovery_end_command on the standby: promotion takes this long, as it can on a
# busy server, so a failover.sh that does not wait for it returns too early every time.
PROMOTION_DELAY = 2


def drill(pair) -> dict:
    """Once per run: rows on the primary (the last ones not yet replayed on the standby), the
    primary SIGKILLed, failover.sh, and whether the server was still in recovery right after."""
    result = pair.failover_result
    if result is not None:
        if isinstance(result, CheckFailure):
            raise CheckFailure(f"not checked: an earlier step failed: {result}")
        return result
    try:
        pair.failover_result = _drill(pair)
    except CheckFailure as exc:
        pair.failover_result = exc
        raise
    return pair.failover_result


def _drill(pair) -> dict:
    primary, replica, rnd = pair.primary, pair.replica, pair.rnd
    with pg_errors("preparing the standby"), connect(replica) as conn:
        conn.execute(f"ALTER SYSTEM SET recovery_end_command = 'sleep {PROMOTION_DELAY}'")
        conn.execute("SELECT pg_reload_conf()")
    table = table_name(pair, "accounts")
    with pg_errors(f"writing {table} on the primary"):
        want = make_table(primary, table, rnd, rnd.randint(30, 60))
    expect(pair.wait_replayed(), f"setup: the standby did not catch up within {SETTLE:g} s")
    # Received but not replayed when the primary dies: promotion must replay it first.
    with pg_errors("pausing replay on the standby"), connect(replica) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
    late = [(10**6 + i, rnd.randint(0, 999), f"late{i}") for i in range(rnd.randint(50, 150))]
    with pg_errors(f"writing more rows to {table}"), connect(primary) as conn, conn.cursor() as cur:
        cur.executemany(f"INSERT INTO {table} VALUES (%s, %s, %s)", late)
    expect(
        pair.wait_flushed() is not None,
        f"setup: the standby did not receive the new WAL within {SETTLE:g} s; "
        f"{replication_view(primary)}",
    )
    want |= set(late)
    primary.kill()
    ran = pair.run_failover()
    try:
        in_recovery = one(replica, "SELECT pg_is_in_recovery()")
    except psycopg.Error as exc:
        raise CheckFailure(
            f"expected to connect to the promoted standby (port {replica.port}) right after "
            f"failover.sh, got {str(exc).strip()!r}; failover.sh printed: {ran.tail()}. "
            "Promote the running standby (pg_ctl promote, pg_promote()); do not stop it or "
            "start another server"
        ) from None
    return {"table": table, "want": want, "in_recovery": in_recovery, "output": ran.tail()}


@pytest.mark.stage("failover")
def test_failover_returns_once_the_standby_is_promoted(streaming_async):
    """failover.sh exits 0 only once the standby has left recovery."""
    done = drill(streaming_async)
    expect(
        done["in_recovery"] is False,
        "expected the standby to be out of recovery (pg_is_in_recovery() = false) as soon as "
        "failover.sh returned, it was still in recovery: failover.sh must wait until the "
        "promotion has finished (pg_ctl promote waits by default, pg_promote() too; the grader "
        f"makes promotion take {PROMOTION_DELAY} s). failover.sh printed: {done['output']}. "
        "Reproduce: ALTER SYSTEM SET recovery_end_command = 'sleep 2' and pg_reload_conf() on "
        "a standby, stop its primary, run failover.sh, then at once psql -c 'SELECT "
        "pg_is_in_recovery()' on the standby",
    )


@pytest.mark.stage("failover")
def test_promoted_server_has_every_row(streaming_async):
    """Every row the standby had received, replayed or not, is on the promoted server."""
    done = drill(streaming_async)
    replica = streaming_async.replica
    table, want = done["table"], done["want"]
    # Read once: a server that left recovery has replayed everything it received.
    with pg_errors(f"reading {table} on the promoted server"):
        try:
            got = table_rows(replica, table)
        except psycopg.errors.UndefinedTable:
            got = set()
        recovering = one(replica, "SELECT pg_is_in_recovery()")
    state = "still in recovery" if recovering else "out of recovery"
    expect(
        got == want,
        f"expected the promoted server to hold all {len(want)} rows of {table} (the last "
        f"{len([r for r in want if r[0] >= 10**6])} were received but not yet replayed when "
        f"the primary died), it has {len(got)}, {len(want - got)} missing, and is {state}. A "
        "promoted standby replays every WAL record it received before it takes writes; a new "
        f"empty cluster has none of them. Its log: {server_log(replica)}",
    )


@pytest.mark.stage("failover")
def test_promoted_server_takes_writes_on_a_new_timeline(streaming_async):
    """The promoted server accepts writes, on a new timeline of the same database system."""
    done = drill(streaming_async)
    pair, replica = streaming_async, streaming_async.replica
    with pg_errors("reading the promoted server's control data"):
        system = one(replica, "SELECT system_identifier FROM pg_control_system()")
    expect(
        system == pair.system_id,
        f"expected the promoted server to be the primary's own database system "
        f"(system_identifier {pair.system_id}), got {system}: a new cluster, not a promoted "
        "standby",
    )
    statement = f"INSERT INTO {done['table']} VALUES (%s, %s, %s)"
    problem = commit_completes(replica, statement, (3 * 10**6, 1, "after failover"))
    expect(
        problem is None,
        f"expected the promoted server to accept an INSERT after failover.sh, {problem}",
    )
    with pg_errors("reading the promoted server's timeline"):
        timeline = int(
            one(replica, "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"), 16
        )
    expect(
        timeline > 1,
        f"expected the promoted server to write on a new timeline (> 1, as promotion starts "
        f"one), it writes on timeline {timeline}",
    )
