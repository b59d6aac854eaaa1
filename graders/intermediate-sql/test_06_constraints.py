"""Stage constraints: one active cart per customer, 1-99 units per cart line, in the schema."""

import pytest

from learnpath.grading.checks import CheckFailure

FILE = "constraints.sql"


def _accepted(db, sql: str, why: str) -> None:
    try:
        db.execute(sql)
    except CheckFailure as exc:
        raise CheckFailure(
            f"expected the database to accept {why} after {FILE}, but it refused it: {exc}"
        ) from None


@pytest.mark.stage("constraints")
def test_one_active_cart_per_customer(seeded):
    """at most one active cart per customer; other carts are not limited"""
    s = seeded("constraints-carts")
    s.script(FILE)
    shop = s.shop
    active = sorted({c.customer_id for c in shop.carts if c.status == "active"})
    with_carts = {c.customer_id for c in shop.carts}
    without = sorted(c.id for c in shop.customers if c.id not in with_carts)
    a, b = active[0], without[0]
    next_id = iter(range(max(c.id for c in shop.carts) + 1, 10**6))
    rule = "a customer has at most one active cart (a partial unique index)"

    def insert(customer: int, status: str) -> str:
        return (
            "INSERT INTO carts (id, customer_id, status) "
            f"VALUES ({next(next_id)}, {customer}, '{status}')"
        )

    s.db.expect_violation(insert(a, "active"), sqlstate="23505", rule=rule)
    _accepted(s.db, insert(a, "checked_out"), f"another checked-out cart for customer {a}")
    _accepted(s.db, insert(a, "abandoned"), f"another abandoned cart for customer {a}")
    _accepted(
        s.db,
        f"UPDATE carts SET status = 'checked_out' WHERE customer_id = {a} AND status = 'active'",
        f"checking out customer {a}'s active cart",
    )
    _accepted(
        s.db,
        insert(a, "active"),
        f"a new active cart for customer {a} once the old one is checked out",
    )
    _accepted(s.db, insert(b, "active"), f"the first active cart of customer {b}")
    s.db.expect_violation(insert(b, "active"), sqlstate="23505", rule=rule)


@pytest.mark.stage("constraints")
def test_cart_line_quantity_range(seeded):
    """a cart line holds 1 to 99 units"""
    s = seeded("constraints-items")
    s.script(FILE)
    shop = s.shop
    cart = shop.carts[0].id
    taken = {p for c, p, _ in shop.cart_items if c == cart}
    free = [p.id for p in shop.products if p.id not in taken]
    rule = "a cart line's quantity is between 1 and 99 (a CHECK constraint)"

    def line(product: int, quantity: int) -> str:
        return (
            "INSERT INTO cart_items (cart_id, product_id, quantity) "
            f"VALUES ({cart}, {product}, {quantity})"
        )

    for quantity in (0, -1, 100):
        s.db.expect_violation(line(free[0], quantity), sqlstate="23514", rule=rule)
    _accepted(s.db, line(free[0], 1), "a cart line with quantity 1")
    _accepted(s.db, line(free[1], 99), "a cart line with quantity 99")
