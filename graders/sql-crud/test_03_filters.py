"""Stage filters: WHERE, IS NULL, LIKE and IN, ORDER BY with a tie-break, LIMIT and OFFSET."""

from __future__ import annotations

import pytest
from conftest import ENGINES, expect_columns

from learnpath.grading.sql import expect_rows


def run(project, shared, rel: str, columns: tuple[str, ...], want, what: str) -> None:
    sql = project.sql(rel)
    _shop, dbs = shared
    for engine in ENGINES:
        got = dbs[engine].query(sql, source=rel)
        expect_columns(got, columns, rel, engine)
        expect_rows(got, want, ordered=True, what=what)


@pytest.mark.stage("filters")
def test_cheap_products_in_stock(project, shared):
    """01: in-stock products costing at most 5000 cents, by price then id."""
    shop, _dbs = shared
    run(
        project,
        shared,
        "queries/01_cheap_products_in_stock.sql",
        ("id", "name", "price_cents"),
        shop.cheap_in_stock(),
        "products with stock above 0 and a price of at most 5000 cents, cheapest first, then by id",
    )


@pytest.mark.stage("filters")
def test_customers_without_country(project, shared):
    """02: the customers whose country is NULL, by name then id."""
    shop, _dbs = shared
    run(
        project,
        shared,
        "queries/02_customers_without_country.sql",
        ("id", "name", "email"),
        shop.without_country(),
        "customers whose country is NULL (test it with IS NULL), by name then id",
    )


@pytest.mark.stage("filters")
def test_dach_customers(project, shared):
    """03: customers in DE, AT or CH with an @example.com address, by id."""
    shop, _dbs = shared
    run(
        project,
        shared,
        "queries/03_dach_customers.sql",
        ("id", "name", "email", "country"),
        shop.dach(),
        "customers in DE, AT or CH whose email ends in '@example.com', by id",
    )


@pytest.mark.stage("filters")
def test_products_page(project, shared):
    """04: every page of 3 and of 4 products by name then id, and an empty page past the end."""
    rel = "queries/04_products_page.sql"
    sql = project.sql(rel)
    shop, dbs = shared
    everything = shop.by_name()
    for per_page in (3, 4):
        last = -(-len(everything) // per_page)
        for page in range(1, last + 2):
            first = (page - 1) * per_page
            want = everything[first : first + per_page]
            rows = f"rows {first + 1} to {first + len(want)})" if want else "so this one is empty)"
            for engine in ENGINES:
                got = dbs[engine].query(sql, {"page": page, "per_page": per_page}, source=rel)
                expect_columns(got, ("id", "name", "price_cents"), rel, engine)
                expect_rows(
                    got,
                    want,
                    ordered=True,
                    what=(
                        f"page {page} of {per_page} products by name then id "
                        f"({len(everything)} products: {last} pages, {rows}"
                    ),
                )
