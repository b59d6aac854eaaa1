"""Stage joins: LEFT JOIN with COUNT, and GROUP BY with WHERE and HAVING."""

from __future__ import annotations

import pytest
from conftest import BIG, ENGINES, expect_columns

from learnpath.grading.sql import expect_rows


@pytest.mark.stage("joins")
def test_order_counts(project, shared):
    """05: every customer once with their number of orders (0 for none), most first, then id."""
    rel = "queries/05_order_counts.sql"
    sql = project.sql(rel)
    shop, dbs = shared
    want = shop.order_counts()
    zero = sum(1 for r in want if r[2] == 0)
    for engine in ENGINES:
        got = dbs[engine].query(sql, source=rel)
        expect_columns(got, ("id", "name", "order_count"), rel, engine)
        expect_rows(
            got,
            want,
            ordered=True,
            what=(
                f"all {len(want)} customers with their number of orders ({zero} have none and "
                "must show 0), most orders first, then by id"
            ),
        )


@pytest.mark.stage("joins")
def test_big_spenders(project, shared):
    """06: customers with at least 20000 cents of paid and shipped items, biggest first, then id."""
    rel = "queries/06_big_spenders.sql"
    sql = project.sql(rel)
    shop, dbs = shared
    want = shop.big_spenders()
    for engine in ENGINES:
        got = dbs[engine].query(sql, source=rel)
        expect_columns(got, ("id", "name", "spent_cents"), rel, engine)
        expect_rows(
            got,
            want,
            ordered=True,
            what=(
                f"customers whose paid and shipped items (quantity * unit_price_cents) add up to "
                f"at least {BIG} cents, new and cancelled orders left out, biggest total first, "
                "then by id"
            ),
        )
