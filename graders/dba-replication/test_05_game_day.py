"""Stage game-day: the primary dies under load with synchronous replication on; after
failover.sh no acknowledged commit is missing and the new primary takes writes."""

import contextlib
import os
import signal
import threading

import psycopg
import pytest
from conftest import (
    SETTLE,
    commit_completes,
    connect,
    one,
    pg_errors,
    poll,
    replication_view,
    table_name,
    table_rows,
)

from learnpath.grading.checks import CheckFailure, expect

BEFORE = 25  # acknowledged commits before the network stalls
AFTER = 3  # acknowledged commits during the stall that prove the primary did not wait


class Writer:
    """Inserts rows one commit at a time and records the ones the primary acknowledged."""

    def __init__(self, pair, table: str):
        self.pair = pair
        self.table = table
        self.acked: list[tuple] = []
        self.error: str | None = None
        self.pid: int | None = None
        self.conn = connect(pair.primary)
        self.pid = self.conn.info.backend_pid
        self.thread = threading.Thread(target=self._run, daemon=True)
        ids = pair.rnd.sample(range(1, 10**6), 5000)
        self.rows = [(i, pair.rnd.randint(1, 10_000), f"t{n}") for n, i in enumerate(ids)]

    def _run(self) -> None:
        try:
            for row in self.rows:
                self.conn.execute(f"INSERT INTO {self.table} VALUES (%s, %s, %s)", row)
                self.acked.append(row)  # COMMIT returned: the primary promised this row
        except psycopg.Error as exc:
            self.error = str(exc).strip()
        finally:
            self.conn.close()


def drill(pair) -> dict:
    result = pair.game_day_result
    if result is not None:
        if isinstance(result, CheckFailure):
            raise CheckFailure(f"not checked: an earlier step failed: {result}")
        return result
    try:
        pair.game_day_result = _drill(pair)
    except CheckFailure as exc:
        pair.game_day_result = exc
        raise
    return pair.game_day_result


def _drill(pair) -> dict:
    pair.wait_sync()
    primary = pair.primary
    settings = pair.sync_settings()
    table = table_name(pair, "ledger")
    with pg_errors(f"creating {table} on the primary"), connect(primary) as conn:
        # The grader's own set-up commit waits for the standby, whatever the settings.
        conn.execute("SET synchronous_commit = 'on'")
        conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, amount int, note text)")
    sender = one(
        primary, "SELECT pid FROM pg_stat_replication WHERE application_name = %s", (pair.name,)
    )
    expect(sender, f"setup: no WAL sender for the standby; {replication_view(primary)}")
    writer = Writer(pair, table)
    writer.thread.start()
    started = poll(lambda: len(writer.acked) >= BEFORE or not writer.thread.is_alive())
    expect(
        started and len(writer.acked) >= BEFORE,
        f"setup: expected commits on the primary to be acknowledged while the standby is up, "
        f"{len(writer.acked)} were within {SETTLE:g} s ({writer.error or 'no error'}); the "
        f"primary has {settings}; {replication_view(primary)}",
    )
    # The network to the standby stalls: its WAL sender stops sending anything.
    os.kill(sender, signal.SIGSTOP)
    try:
        stalled_at = len(writer.acked)

        def decided() -> str | None:
            if len(writer.acked) >= stalled_at + AFTER:
                return "acknowledged"
            if not writer.thread.is_alive():
                return "stopped"
            event = one(
                primary, "SELECT wait_event FROM pg_stat_activity WHERE pid = %s", (writer.pid,)
            )
            return "waiting" if event == "SyncRep" else None

        outcome = poll(decided, errors=(psycopg.Error,))
        # The primary's machine dies (the stopped WAL sender with it).
        primary.kill()
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(sender, signal.SIGCONT)
    writer.thread.join(SETTLE)
    acked = list(writer.acked)
    during = len(acked) - stalled_at
    ran = pair.run_failover()
    return {
        "table": table,
        "acked": acked,
        "during": during,
        "outcome": outcome,
        "settings": settings,
        "output": ran.tail(),
    }


@pytest.mark.stage("game-day")
def test_no_acknowledged_commit_is_lost(streaming_sync):
    """Every commit the primary acknowledged before it died is on the promoted standby."""
    done = drill(streaming_sync)
    replica = streaming_sync.replica
    table, acked = done["table"], set(done["acked"])
    with pg_errors(f"reading {table} on the promoted standby"):
        got = table_rows(replica, table)
    missing = acked - got
    expect(
        not missing,
        f"expected all {len(acked)} commits the primary acknowledged to be on the promoted "
        f"standby (RPO 0), {len(missing)} are missing, e.g. ids "
        f"{sorted(r[0] for r in missing)[:5]}. The grader stopped the standby's WAL stream, "
        f"then killed the primary: {done['during']} commits were acknowledged during the stall, "
        f"so the primary did not wait for the standby ({done['settings']}). failover.sh "
        f"printed: {done['output']}. Reproduce: kill -STOP the primary's WAL sender (pid in "
        "pg_stat_replication), INSERT a row on the primary (with synchronous replication it "
        "hangs), kill -9 the primary's postmaster, run failover.sh, look for the row",
    )


@pytest.mark.stage("game-day")
def test_new_primary_takes_writes_at_once(streaming_sync):
    """The promoted standby commits without waiting for a standby it does not have."""
    done = drill(streaming_sync)
    replica = streaming_sync.replica
    try:
        recovering = one(replica, "SELECT pg_is_in_recovery()")
        names = one(replica, "SHOW synchronous_standby_names")
    except psycopg.Error as exc:
        raise CheckFailure(
            f"expected to reach the promoted standby after failover.sh, got "
            f"{str(exc).strip()!r}; failover.sh printed: {done['output']}"
        ) from None
    expect(
        recovering is False,
        "expected the standby to be promoted (pg_is_in_recovery() = false) when failover.sh "
        f"returned; failover.sh printed: {done['output']}",
    )
    statement = f"INSERT INTO {done['table']} VALUES (%s, %s, %s)"
    problem = commit_completes(replica, statement, (2 * 10**6, 1, "after failover"))
    expect(
        problem is None,
        f"expected the new primary to accept a commit at once, {problem}. It has "
        f"synchronous_standby_names = {names!r}, inherited from the old primary's "
        "configuration, and no standby of its own yet: failover.sh should turn synchronous "
        "replication off on it (ALTER SYSTEM, then pg_reload_conf()) until a new standby is "
        "attached",
    )
