"""Stage lean-indexes: every index earns its keep, none repeats another, writes stay cheap."""

import time

import pytest
from conftest import (
    PARTIAL_SHARE,
    QUERIES,
    STATS_WAIT,
    WAL_BUDGET,
    WAL_ROWS,
    open_session,
)

from learnpath.grading.checks import CheckFailure, expect
from learnpath.grading.sql import to_pyformat

INDEX_SHAPES = """
SELECT c.relname AS name, t.relname AS tbl, am.amname AS am, i.indisunique AS uniq,
       i.indnkeyatts AS nkey, i.indclass::oid[] AS opclasses, i.indoption::int2[] AS options,
       ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)
             FROM generate_series(1, i.indnatts) AS k ORDER BY k) AS cols,
       pg_get_expr(i.indpred, i.indrelid) AS pred,
       pg_get_indexdef(i.indexrelid) AS def
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_am am ON am.oid = c.relam
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = 'public'
ORDER BY c.relname
"""

SCANS = "SELECT indexrelname, idx_scan FROM pg_stat_user_indexes WHERE schemaname = 'public'"


def _scans(db):
    return {name: int(n or 0) for name, n in db.query(SCANS).rows}


def _mb(n):
    return f"{n / 1_000_000:.1f} MB"


@pytest.mark.stage("lean-indexes")
def test_every_index_is_used(tuning, project):
    """Every index indexes.sql creates is used by at least one of the eleven queries"""
    db = tuning.db
    names = sorted(tuning.indexes)
    before = _scans(db)
    conn = open_session(db.dsn)
    pid = conn.info.backend_pid
    try:
        for qid, cases in tuning.cases.items():
            if qid == "11" and not tuning.trgm:
                continue
            sql = to_pyformat(tuning.sql(project, qid))
            for case in cases:
                conn.execute(sql, case.params).fetchall()
    finally:
        conn.close()
    # A backend sends its statistics when it ends: wait for that, then for the counts (older
    # PostgreSQL versions pass them on through a collector, up to half a second later).
    deadline = time.monotonic() + STATS_WAIT
    while (
        time.monotonic() < deadline
        and db.query("SELECT 1 FROM pg_stat_activity WHERE pid = :pid", {"pid": pid}).rows
    ):
        time.sleep(0.05)
    settle = time.monotonic() + 1.5
    while True:
        after = _scans(db)
        unused = [n for n in names if after.get(n, 0) <= before.get(n, 0)]
        if not unused or time.monotonic() > settle:
            break
        time.sleep(0.1)
    defs = "; ".join(tuning.indexes[n].definition for n in unused)
    expect(
        not unused,
        f"expected every index of indexes.sql to be used by the queries (pg_stat_user_indexes."
        f"idx_scan grows while the grader runs all eleven queries/*.sql with all their "
        f"parameters); never used: {defs}. An index no query uses costs every insert and "
        f"update, disk and cache, and buys nothing: drop it, or fix the query it was meant "
        f"for (EXPLAIN it). reproduce: SELECT indexrelname, idx_scan FROM pg_stat_user_indexes "
        f"after running your queries",
    )


def _redundant(a, b):
    """Whether index ``b`` serves every search index ``a`` serves (``a`` is redundant)."""
    if a["name"] == b["name"] or a["tbl"] != b["tbl"] or a["am"] != b["am"]:
        return False
    if a["uniq"] or (a["pred"] or "") != (b["pred"] or ""):
        return False
    ka = list(zip(a["cols"][: a["nkey"]], a["opclasses"], a["options"], strict=True))
    kb = list(zip(b["cols"][: b["nkey"]], b["opclasses"], b["options"], strict=True))
    if a["am"] == "btree":
        if len(ka) > len(kb):
            return False
        prefix = kb[: len(ka)]
        if [k[:2] for k in ka] != [k[:2] for k in prefix]:
            return False
        mine, theirs = [k[2] for k in ka], [k[2] for k in prefix]
        # A B-tree is read in both directions: (a DESC, b DESC) serves what (a, b) serves.
        if mine != theirs and mine != [o ^ 3 for o in theirs]:
            return False
    elif ka != kb:
        return False
    return set(a["cols"][a["nkey"] :]) <= set(b["cols"])


@pytest.mark.stage("lean-indexes")
def test_no_duplicate_or_prefix_index(tuning):
    """No index repeats another, or the first columns of another"""
    shapes = tuning.db.query(INDEX_SHAPES).dicts()
    found = []
    seen = set()
    for a in shapes:
        if a["name"] not in tuning.indexes:
            continue
        for b in shapes:
            if _redundant(a, b) and frozenset((a["name"], b["name"])) not in seen:
                seen.add(frozenset((a["name"], b["name"])))
                found.append(f"{a['def']} is served by {b['def']}")
    expect(
        not found,
        "expected no index that another index already serves (the same columns, or the first "
        "columns of a longer index with the same method and WHERE clause: a B-tree on (a, b) "
        "serves every search on (a) too); found: "
        + "; ".join(found)
        + ". Each extra index is written on every insert: drop the shorter one. reproduce: "
        "psql -c '\\d orders'",
    )


@pytest.mark.stage("lean-indexes")
def test_pending_queue_index_is_partial(tuning, project):
    """04_pending_queue.sql runs on a partial index of pending orders, a sliver of the table"""
    db = tuning.db
    sql = tuning.sql(project, "04")
    plan = db.explain(sql, {})
    used = [tuning.indexes[n] for n in sorted(plan.index_names & set(tuning.indexes))]
    table = int(db.query("SELECT pg_relation_size('orders')").scalar())
    expect(
        used,
        f"expected {QUERIES['04'].name} to use an index of yours; the plan is {plan.text}. "
        f"{tuning.repro(sql, {})}",
    )
    small = [i for i in used if i.partial and i.bytes <= PARTIAL_SHARE * table]
    if not small:
        shown = "; ".join(
            f"{i.definition} ({_mb(i.bytes)}, {100 * i.bytes / table:.1f}% of the table"
            f"{', partial' if i.partial else ''})"
            for i in used
        )
        raise CheckFailure(
            f"expected {QUERIES['04'].name} to run on a partial index (CREATE INDEX ... WHERE "
            f"status = 'pending') of at most {PARTIAL_SHARE:.0%} of the orders table's "
            f"{_mb(table)}: only about 0.5% of the orders are pending, so an index of all "
            f"orders is mostly entries this query never reads; it uses {shown}. "
            f"{tuning.repro(sql, {})}"
        )


@pytest.mark.stage("lean-indexes")
def test_write_cost(tuning):
    """Inserting orders writes at most 4x the WAL it writes with no index but the primary key"""
    db = tuning.db
    conn = open_session(db.dsn)
    written = {}
    try:
        conn.execute("DROP TABLE IF EXISTS orders_write_plain, orders_write_indexed")
        conn.execute(
            "CREATE TABLE orders_write_plain (LIKE orders INCLUDING DEFAULTS INCLUDING "
            "CONSTRAINTS) WITH (autovacuum_enabled = off)"
        )
        conn.execute("ALTER TABLE orders_write_plain ADD PRIMARY KEY (id)")
        conn.execute(
            "CREATE TABLE orders_write_indexed (LIKE orders INCLUDING ALL) "
            "WITH (autovacuum_enabled = off)"
        )
        step = 1_000_000 // WAL_ROWS
        for table in ("orders_write_plain", "orders_write_indexed"):
            start = conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
            conn.execute(f"INSERT INTO {table} SELECT * FROM orders WHERE id % {step} = 7")
            written[table] = int(
                conn.execute(
                    "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), %s)", (start,)
                ).fetchone()[0]
            )
        indexes = conn.execute(
            "SELECT count(*) FROM pg_index WHERE indrelid = 'orders_write_indexed'::regclass"
        ).fetchone()[0]
    finally:
        conn.execute("DROP TABLE IF EXISTS orders_write_plain, orders_write_indexed")
        conn.close()
    plain, indexed = written["orders_write_plain"], written["orders_write_indexed"]
    ratio = indexed / max(plain, 1)
    mine = [i.definition for i in tuning.indexes.values() if i.table == "orders"]
    expect(
        ratio <= WAL_BUDGET,
        f"expected inserting {WAL_ROWS:,} orders into a copy of orders with your indexes to "
        f"write at most {WAL_BUDGET:g}x the WAL (write-ahead log) it writes with only the "
        f"primary key; it wrote {_mb(indexed)}, {ratio:.2f}x the {_mb(plain)} "
        f"({indexes} indexes: the primary key and {len(mine)} of yours). Every index is "
        f"written on every insert and replicated through the WAL: serve several queries with "
        f"one index, keep INCLUDE lists to the columns a query reads, and drop the rest. "
        f"reproduce: SELECT pg_current_wal_insert_lsn() before and after an INSERT ... SELECT "
        f"into CREATE TABLE t (LIKE orders INCLUDING ALL), then pg_wal_lsn_diff",
    )
