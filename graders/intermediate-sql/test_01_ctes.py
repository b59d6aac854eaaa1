"""Stage ctes: a report in named steps, and recursive walks over the category tree."""

import pytest

from learnpath.grading.sql import expect_rows


@pytest.mark.stage("ctes")
def test_customer_summary(seeded):
    """01_customer_summary.sql: orders, items, money spent and tier of every customer"""
    s = seeded("ctes")
    rows = s.run("queries/01_customer_summary.sql")
    expect_rows(
        rows,
        s.shop.customer_summary(),
        ordered=True,
        columns=6,
        what=(
            "(customer_id, name, orders, items, spent_cents, tier) for every customer, cancelled "
            "orders left out, biggest spender first (an order with several items counts once in "
            "orders and spent_cents; customers without orders have 0s and tier 'none')"
        ),
    )


@pytest.mark.stage("ctes")
def test_category_tree(seeded):
    """02_category_tree.sql: every category with its depth and its path from the root"""
    s = seeded("ctes")
    rows = s.run("queries/02_category_tree.sql")
    deepest = max(r[2] for r in s.shop.category_tree())
    expect_rows(
        rows,
        s.shop.category_tree(),
        ordered=False,
        columns=4,
        what=(
            f"(id, name, depth, path) for all {len(s.shop.categories)} categories, roots at "
            f"depth 0, the deepest at depth {deepest}, path names joined with ' > ' from the root"
        ),
    )


@pytest.mark.stage("ctes")
def test_category_products(seeded):
    """03_category_products.sql: products in each category and everywhere below it"""
    s = seeded("ctes")
    rows = s.run("queries/03_category_products.sql")
    expect_rows(
        rows,
        s.shop.subtree_products(),
        ordered=True,
        columns=2,
        what=(
            "(category_id, products) for every category, counting the products of the category "
            "and of all its descendants at any depth, ordered by category_id"
        ),
    )
