"""Stage windows: running totals with ties, top 3 per category with RANK, month over month."""

import pytest

from learnpath.grading.sql import expect_rows


@pytest.mark.stage("windows")
def test_running_totals(seeded):
    """04_running_totals.sql: each customer's running total, orders in the same second included"""
    s = seeded("windows")
    rows = s.run("queries/04_running_totals.sql")
    tied = ", ".join(str(c) for c in sorted(s.shop.tied_customers))
    expect_rows(
        rows,
        s.shop.running_totals(),
        ordered=True,
        columns=5,
        what=(
            "(customer_id, order_id, placed_at, total_cents, running_total_cents) of every order "
            "not cancelled, by customer_id, placed_at, order_id; the running total includes only "
            f"the rows before it in that order (customers {tied} placed two orders in the same "
            "second: they must not share one running total)"
        ),
    )


@pytest.mark.stage("windows")
def test_top_products(seeded):
    """05_top_products.sql: the top 3 products of each category by units sold, ties kept"""
    s = seeded("windows")
    rows = s.run("queries/05_top_products.sql")
    expect_rows(
        rows,
        s.shop.top_products(),
        ordered=True,
        columns=4,
        what=(
            "(category_id, product_id, units_sold, rank) with RANK() <= 3 per category, units "
            "from orders not cancelled, ordered by category_id, rank, product_id (in category "
            f"{s.shop.tie_first_category} two products tie for rank 1, so the next is rank 3; in "
            f"category {s.shop.tie_third_category} two tie for rank 3 and both are listed)"
        ),
    )


@pytest.mark.stage("windows")
def test_monthly_revenue(seeded):
    """06_monthly_revenue.sql: revenue per UTC month with the previous month's and the change"""
    s = seeded("windows")
    rows = s.run("queries/06_monthly_revenue.sql")
    expect_rows(
        rows,
        s.shop.monthly_revenue(),
        ordered=True,
        columns=5,
        what=(
            "(month 'YYYY-MM', orders, revenue_cents, previous_revenue_cents, change_cents) per "
            "calendar month in UTC, orders not cancelled, NULL previous and change on the first "
            f"month (the database session's time zone is {s.zone}: take months in UTC, e.g. "
            "date_trunc('month', placed_at AT TIME ZONE 'UTC'))"
        ),
    )
