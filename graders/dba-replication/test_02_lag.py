"""Stage lag: lag.sql, run on the primary, reports each standby's replay lag in bytes."""

import decimal

import psycopg
import pytest
from conftest import (
    SETTLE,
    connect,
    one,
    pg_errors,
    poll,
    replication_view,
    table_name,
)

from learnpath.grading.checks import CheckFailure, expect

REPRO = "reproduce: psql -X -f lag.sql on the primary (with a standby attached)"


def run_lag(pair) -> dict:
    """lag.sql on the primary: {application_name: lag_bytes}, checked for shape."""
    sql = pair.project.sql("lag.sql")
    try:
        with connect(pair.primary) as conn, conn.cursor() as cur:
            cur.execute(sql.encode("utf-8"))
            columns = [d.name for d in cur.description or []]
            found = cur.fetchall() if cur.description else []
    except psycopg.Error as exc:
        raise CheckFailure(
            f"lag.sql failed on the primary: {str(exc).strip()} (SQLSTATE {exc.sqlstate}); {REPRO}"
        ) from None
    expect(
        "application_name" in columns and "lag_bytes" in columns,
        f"expected lag.sql to return the columns application_name and lag_bytes, got "
        f"{columns or 'no result set'}; {REPRO}",
    )
    names, lags = columns.index("application_name"), columns.index("lag_bytes")
    result: dict = {}
    for row in found:
        name, lag = row[names], row[lags]
        expect(
            name not in result,
            f"expected one row per standby from lag.sql, got {name!r} twice; {REPRO}",
        )
        expect(
            lag is None or (isinstance(lag, int | float | decimal.Decimal) and lag == int(lag)),
            f"expected lag_bytes to be a whole number of bytes (pg_wal_lsn_diff), got "
            f"{lag!r} ({type(lag).__name__}) for {name!r}; {REPRO}",
        )
        result[name] = None if lag is None else int(lag)
    return result


def lag_of(pair, found: dict) -> int:
    expect(
        pair.name in found,
        f"expected a row for the standby {pair.name!r} in lag.sql's result, got the "
        f"application_name values {sorted(map(str, found)) or 'none'}; "
        f"{replication_view(pair.primary)}; {REPRO}",
    )
    lag = found[pair.name]
    expect(
        lag is not None,
        f"expected a number of bytes as lag_bytes for {pair.name!r}, got NULL; {REPRO}",
    )
    return lag


def write_rows(pair, table: str, n: int) -> None:
    with pg_errors(f"writing {n} rows to {table} on the primary"), connect(pair.primary) as c:
        c.execute(f"CREATE TABLE IF NOT EXISTS {table} (id int, payload text)")
        c.execute(f"INSERT INTO {table} SELECT g, md5(g::text) FROM generate_series(1, %s) g", (n,))


def lsn_diff(pair, a, b) -> int:
    return int(one(pair.primary, "SELECT pg_wal_lsn_diff(%s::pg_lsn, %s::pg_lsn)", (a, b)))


@pytest.mark.stage("lag")
def test_lag_sql_lists_each_standby(streaming_async):
    """lag.sql returns one row per connected standby: application_name and lag_bytes."""
    pair = streaming_async
    primary = pair.primary
    spare = table_name(pair, "spare_slot")
    # A slot nobody uses: it is not a connected standby and must not be listed.
    with pg_errors("creating an unused slot on the primary"), connect(primary) as conn:
        conn.execute(
            "SELECT pg_create_physical_replication_slot(%s) WHERE NOT EXISTS "
            "(SELECT 1 FROM pg_replication_slots WHERE slot_name = %s)",
            (spare, spare),
        )
    expect(pair.wait_replayed(), f"setup: the standby did not catch up within {SETTLE:g} s")
    found = run_lag(pair)
    lag = lag_of(pair, found)
    expect(
        set(found) == {pair.name},
        f"expected lag.sql to list the connected standbys only ({pair.name!r}), got "
        f"{sorted(map(str, found))} (the primary also has an unused slot {spare!r}: a slot is "
        f"not a standby); {REPRO}",
    )
    expect(lag >= 0, f"expected lag_bytes >= 0 for a standby that caught up, got {lag}; {REPRO}")


@pytest.mark.stage("lag")
def test_lag_grows_while_replay_is_paused(streaming_async):
    """While the standby receives WAL but does not replay it, lag.sql shows that WAL."""
    pair, primary, replica = streaming_async, streaming_async.primary, streaming_async.replica
    expect(pair.wait_replayed(), f"setup: the standby did not catch up within {SETTLE:g} s")
    # From here on the primary knows the standby has replayed at least `start`.
    start = one(primary, "SELECT pg_current_wal_lsn()")
    reported = poll(
        lambda: one(
            primary,
            "SELECT pg_wal_lsn_diff(replay_lsn, %s::pg_lsn) >= 0 FROM pg_stat_replication "
            "WHERE application_name = %s",
            (str(start), pair.name),
        ),
        errors=(psycopg.Error,),
    )
    expect(reported, f"setup: the standby did not report its replay within {SETTLE:g} s")
    table = table_name(pair, "lagging")
    with pair.replay_paused():
        replayed = one(replica, "SELECT pg_last_wal_replay_lsn()")
        write_rows(pair, table, pair.rnd.randint(3000, 9000))
        # Received and flushed by the standby (sent = write = flush), not replayed.
        target = pair.wait_flushed()
        expect(
            target is not None,
            f"setup: the standby did not receive the new WAL within {SETTLE:g} s; "
            f"{replication_view(primary)}",
        )
        found = run_lag(pair)
        end = one(primary, "SELECT pg_current_wal_lsn()")
        lag = lag_of(pair, found)
        low = lsn_diff(pair, target, replayed)
        high = lsn_diff(pair, end, start)
        expect(
            low <= lag <= high,
            f"expected lag_bytes for {pair.name!r} between {low} and {high} while its replay "
            f"is paused (WAL flushed on the standby up to {target}, replayed up to "
            f"{replayed}: the rows are not visible there yet), got {lag}. Lag is measured "
            "against replay_lsn: sent, write and flush positions only say how far the WAL "
            f"travelled. {replication_view(primary)}; {REPRO}",
        )


@pytest.mark.stage("lag")
def test_lag_returns_to_zero_after_replay_resumes(streaming_async):
    """Once replay resumes, lag.sql shows the standby caught up (lag_bytes 0)."""
    pair, primary = streaming_async, streaming_async.primary
    table = table_name(pair, "catchup")
    with pair.replay_paused():
        write_rows(pair, table, pair.rnd.randint(2000, 5000))
        expect(pair.wait_flushed() is not None, "setup: the standby did not receive the WAL")
        behind = lag_of(pair, run_lag(pair))
        expect(
            behind > 0,
            f"expected lag_bytes > 0 for {pair.name!r} while its replay is paused, got "
            f"{behind}; {REPRO}",
        )
    seen: list = []

    def caught_up() -> bool:
        lag = lag_of(pair, run_lag(pair))
        seen.append(lag)
        return lag == 0

    expect(
        poll(caught_up),
        f"expected lag_bytes for {pair.name!r} to return to 0 within {SETTLE:g} s of "
        f"pg_wal_replay_resume() on the standby, the last values were {seen[-5:]}; "
        f"{replication_view(primary)}; {REPRO}",
    )
