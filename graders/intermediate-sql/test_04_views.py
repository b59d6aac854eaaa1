"""Stage views: product_sales is a view, computed from the orders whenever it is read."""

import pytest

from learnpath.grading.checks import CheckFailure
from learnpath.grading.sql import expect_rows

FILE = "views.sql"
READ = "SELECT product_id, sku, units_sold, revenue_cents FROM product_sales"
SOURCE = "the view product_sales (views.sql)"


@pytest.mark.stage("views")
def test_view_reports_sales(seeded):
    """product_sales lists every product with units sold and revenue at the price paid"""
    s = seeded("views")
    s.script(FILE)
    expect_rows(
        s.db.query(READ, source=SOURCE),
        s.shop.product_sales(),
        ordered=False,
        columns=4,
        what=(
            "(product_id, sku, units_sold, revenue_cents) for every product: quantity and "
            "quantity * unit_price_cents over orders not cancelled, 0 for products never sold"
        ),
    )


@pytest.mark.stage("views")
def test_view_follows_changes(seeded):
    """product_sales shows new orders, cancellations and new products after it was created"""
    s = seeded("views-live")
    shop = s.shop
    s.script(FILE)
    expect_rows(
        s.db.query(READ, source=SOURCE),
        shop.product_sales(),
        ordered=False,
        columns=4,
        what="product_sales right after views.sql",
    )
    change, what = shop.change_sales()
    s.db.script(change, source="the grader's changes to products and orders")
    expect_rows(
        s.db.query(READ, source=SOURCE),
        shop.product_sales(),
        ordered=False,
        columns=4,
        what=(
            f"product_sales after the grader {what}: a view runs its query on every "
            "read (a table made with CREATE TABLE AS, or a materialized view, keeps the numbers "
            "of the moment it was created)"
        ),
    )


@pytest.mark.stage("views")
def test_views_sql_runs_twice(seeded):
    """views.sql can be applied again to a database that already has the view"""
    s = seeded("views-again")
    s.script(FILE)
    try:
        s.script(FILE)
    except CheckFailure as exc:
        raise CheckFailure(
            f"expected {FILE} to run a second time (every deployment applies it again; use "
            f"CREATE OR REPLACE VIEW), but the second run failed: {exc}"
        ) from None
    expect_rows(
        s.db.query(READ, source=SOURCE),
        s.shop.product_sales(),
        ordered=False,
        columns=4,
        what="product_sales after views.sql ran twice",
    )
