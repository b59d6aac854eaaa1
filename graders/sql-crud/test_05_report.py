"""Stage report: revenue per country and month, on both engines."""

from __future__ import annotations

import pytest
from conftest import ENGINES, expect_columns

from learnpath.grading.sql import expect_rows


@pytest.mark.stage("report")
def test_monthly_revenue_per_country(project, shared):
    """report.sql: paid orders and revenue per country and month, by month, revenue, country."""
    rel = "report.sql"
    sql = project.sql(rel)
    shop, dbs = shared
    want = shop.report()
    for engine in ENGINES:
        got = dbs[engine].query(sql, source=rel)
        expect_columns(got, ("country", "month", "orders", "revenue_cents"), rel, engine)
        expect_rows(
            got,
            want,
            ordered=True,
            what=(
                "per country ('unknown' when NULL) and month ('YYYY-MM'): the number of paid and "
                "shipped orders and the sum of their items' quantity * unit_price_cents, by "
                "month, then revenue (largest first), then country"
            ),
        )
