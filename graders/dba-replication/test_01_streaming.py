"""Stage streaming: setup-primary.sh and setup-replica.sh make a hot standby that streams."""

import psycopg
import pytest
from conftest import (
    SETTLE,
    connect,
    make_table,
    one,
    pg_errors,
    poll,
    replication_view,
    rows,
    server_log,
    table_name,
    table_rows,
)

from learnpath.grading.checks import expect


@pytest.mark.stage("streaming")
def test_setup_primary_turns_replication_on(async_pair):
    """setup-primary.sh turns replication on and creates the standby's slot."""
    async_pair.primary_ready()


@pytest.mark.stage("streaming")
def test_setup_replica_makes_a_standby(async_pair):
    """setup-replica.sh copies the primary into a data directory that starts as a standby."""
    async_pair.replica_started()
    data = async_pair.replica_data
    expect(
        async_pair.standby_state(),
        "expected PostgreSQL on $REPLICA_PGDATA to start as a standby (pg_is_in_recovery() = "
        "true), it is a primary of its own (writable, replicating nothing): setup-replica.sh "
        "must leave standby.signal and primary_conninfo in the copy (pg_basebackup -R). Found "
        f"standby.signal: {(data / 'standby.signal').exists()}, recovery.signal: "
        f"{(data / 'recovery.signal').exists()}. Its log: {server_log(async_pair.replica)}",
    )


@pytest.mark.stage("streaming")
def test_standby_streams_under_its_name_through_its_slot(async_pair):
    """The standby streams as $REPLICA_NAME through the slot of that name."""
    async_pair.streaming_ready()
    primary, name = async_pair.primary, async_pair.name
    active = poll(
        lambda: one(
            primary,
            "SELECT s.active_pid = r.pid FROM pg_replication_slots s "
            "JOIN pg_stat_replication r ON r.application_name = %s WHERE s.slot_name = %s",
            (name, name),
        ),
        errors=(psycopg.Error,),
    )
    slots = rows(primary, "SELECT slot_name, active, active_pid FROM pg_replication_slots")
    expect(
        active,
        f"expected the standby to stream through the replication slot {name!r} "
        f"(primary_slot_name, pg_basebackup -S), the slot is not used by its WAL sender "
        f"within {SETTLE:g} s: pg_replication_slots (slot_name, active, active_pid) = {slots}; "
        f"{replication_view(primary)}",
    )


@pytest.mark.stage("streaming")
def test_new_writes_reach_the_standby(async_pair):
    """Rows written, changed and deleted on the primary show up on the standby."""
    async_pair.streaming_ready()
    primary, replica, rnd = async_pair.primary, async_pair.replica, async_pair.rnd
    table = table_name(async_pair, "orders")
    with pg_errors(f"writing the table {table} on the primary"):
        want = make_table(primary, table, rnd, rnd.randint(40, 90))

    def same() -> bool:
        return table_rows(replica, table) == want

    expect(
        poll(same, errors=(psycopg.Error,)),
        f"expected the {len(want)} rows written to {table} on the primary to reach the "
        f"standby within {SETTLE:g} s; {_difference(replica, table, want)}. "
        f"{replication_view(primary)}",
    )
    changed = sorted(want)[: len(want) // 3]
    gone = sorted(want)[-5:]
    with pg_errors(f"changing {table} on the primary"), connect(primary) as conn:
        for row in changed:
            conn.execute(f"UPDATE {table} SET amount = amount + 7 WHERE id = %s", (row[0],))
        conn.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", ([r[0] for r in gone],))
    want = (want - set(changed) - set(gone)) | {(r[0], r[1] + 7, r[2]) for r in changed}
    expect(
        poll(same, errors=(psycopg.Error,)),
        f"expected the standby to show the primary's UPDATEs and DELETEs on {table} within "
        f"{SETTLE:g} s; {_difference(replica, table, want)}",
    )


@pytest.mark.stage("streaming")
def test_standby_refuses_writes(async_pair):
    """An INSERT on the standby is refused as read-only (SQLSTATE 25006)."""
    async_pair.streaming_ready()
    primary, replica = async_pair.primary, async_pair.replica
    table = table_name(async_pair, "probe")
    with pg_errors(f"creating {table} on the primary"), connect(primary) as conn:
        conn.execute(f"CREATE TABLE {table} (id int)")
    expect(
        async_pair.wait_replayed(),
        f"expected CREATE TABLE {table} to reach the standby within {SETTLE:g} s; "
        f"{replication_view(primary)}",
    )
    statement = f"INSERT INTO {table} VALUES (1)"
    try:
        with connect(replica) as conn:
            conn.execute(statement)
    except psycopg.Error as exc:
        expect(
            exc.sqlstate == "25006",
            f"expected the standby to refuse `{statement}` as read-only (SQLSTATE 25006), it "
            f"failed otherwise: {str(exc).strip()} (SQLSTATE {exc.sqlstate})",
        )
        return
    expect(
        False,
        f"expected the standby to refuse `{statement}` (SQLSTATE 25006 read-only), it "
        "accepted it: PostgreSQL on $REPLICA_PGDATA is writable, a copy that left recovery "
        "rather than a standby. Reproduce: psql -p <standby port> -c "
        f"'{statement}'",
    )


@pytest.mark.stage("streaming")
def test_replication_is_asynchronous_unless_asked(async_pair):
    """With SYNC=0 the standby is asynchronous: a stopped standby does not stop commits."""
    async_pair.streaming_ready()
    state = async_pair.sync_state()
    names = one(async_pair.primary, "SHOW synchronous_standby_names")
    expect(
        state == "async" and not names,
        "expected setup-primary.sh with SYNC=0 to leave replication asynchronous "
        "(synchronous_standby_names empty, pg_stat_replication.sync_state 'async'), got "
        f"synchronous_standby_names = {names!r} and sync_state {state!r}: with a synchronous "
        "standby, every commit on the primary waits while that standby is down",
    )


def _difference(replica, table, want) -> str:
    try:
        got = table_rows(replica, table)
    except psycopg.Error as exc:
        return f"the standby answers {str(exc).strip()!r}"
    missing = sorted(want - got, key=repr)[:3]
    extra = sorted(got - want, key=repr)[:3]
    return (
        f"the standby has {len(got)} rows, {len(want - got)} missing (e.g. {missing}) and "
        f"{len(got - want)} unexpected (e.g. {extra})"
    )
