"""Stage crud: one parameterized statement per file, judged by what every table holds after it."""

from __future__ import annotations

import collections
import random

import pytest
from conftest import LABEL, TABLES, expect_columns, expect_tables, table_state

from learnpath.grading.checks import expect
from learnpath.grading.sql import expect_rows


def state(shop) -> dict[str, list[tuple]]:
    return {table: shop.rows(table) for table in TABLES}


def expect_changed(db, engine: str, rel: str, sql: str, params: dict, changed: int, why: str):
    """Run ``rel`` with ``params``; it must report ``changed`` rows."""
    got = db.execute(sql, params, source=rel)
    expect(
        got == changed,
        f"expected {rel} to change {changed} row(s) on {LABEL[engine]} {why}, it changed {got}. "
        f"{db.describe(sql, params, rel)}",
    )


@pytest.mark.stage("crud")
def test_add_customer(grader, project):
    """add_customer.sql adds one customer under a new id; an email that exists is refused."""
    rel = "crud/add_customer.sql"
    sql = project.sql(rel)
    shop = grader.shop("add")
    rng = random.Random(f"{grader.uid}-add")
    tag = "".join(rng.choices("abcdefghijkmnpqrstuvwxyz", k=6))
    newcomers = [
        {"name": "Siobhan O'Brien", "email": f"siobhan.{tag}@example.com", "country": "IE"},
        {"name": "Noor", "email": f"noor.{tag}@example.org", "country": None},
    ]
    for engine, db in grader.each("add_customer", shop):
        want = state(shop)
        before = table_state(db, "customers")
        for params in newcomers:
            expect_changed(db, engine, rel, sql, params, 1, "for a new customer")
            after = table_state(db, "customers")
            added = collections.Counter(after) - collections.Counter(before)
            removed = collections.Counter(before) - collections.Counter(after)
            expect(
                not removed and len(added) == 1,
                f"expected {rel} to add one customer and change no other on {LABEL[engine]}; "
                f"rows added: {sorted(added.elements())[:3]}, rows changed or removed: "
                f"{sorted(removed.elements())[:3]}. {db.describe(sql, params, rel)}",
            )
            (row,) = added.elements()
            expect(
                isinstance(row[0], int)
                and row[1:] == (params["name"], params["email"], params["country"]),
                f"expected {rel} to store (name, email, country) = "
                f"{(params['name'], params['email'], params['country'])} under a new id on "
                f"{LABEL[engine]}, got (id, name, email, country) = {row}. "
                f"{db.describe(sql, params, rel)}",
            )
            want["customers"].append(row)
            before = after
        taken = rng.choice(shop.customers)
        db.expect_violation(
            sql,
            {"name": "Copy Cat", "email": taken.email, "country": "DE"},
            sqlstate="23505",
            rule="two customers cannot share an email: adding an existing one is refused",
            source=rel,
        )
        expect_tables(db, engine, want, f"running {rel} twice", sql=sql, params=params, rel=rel)


@pytest.mark.stage("crud")
def test_find_customer(grader, project):
    """find_customer.sql returns that customer's row, and no row for an unknown email."""
    rel = "crud/find_customer.sql"
    sql = project.sql(rel)
    shop = grader.shop("find")
    rng = random.Random(f"{grader.uid}-find")
    known = [
        rng.choice([c for c in shop.customers if c.country is None]),
        rng.choice([c for c in shop.customers if c.country is not None]),
    ]
    for engine, db in grader.each("find_customer", shop):
        for customer in known:
            got = db.query(sql, {"email": customer.email}, source=rel)
            expect_columns(got, ("id", "name", "email", "country"), rel, engine)
            expect_rows(
                got,
                [customer.row()],
                ordered=True,
                what=f"the customer with the email {customer.email}",
            )
        unknown = "x" + known[1].email
        got = db.query(sql, {"email": unknown}, source=rel)
        expect_rows(got, [], ordered=True, what=f"customers with the unknown email {unknown}")


@pytest.mark.stage("crud")
def test_rename_product(grader, project):
    """rename_product.sql renames the one product asked for; an unknown id changes nothing."""
    rel = "crud/rename_product.sql"
    sql = project.sql(rel)
    shop = grader.shop("rename")
    rng = random.Random(f"{grader.uid}-rename")
    names = collections.Counter(p.name for p in shop.products)
    target = rng.choice([p for p in shop.products if names[p.name] > 1] or shop.products)
    new_name = f"{target.name} deluxe {rng.randint(2, 99)}"
    missing = max(p.id for p in shop.products) + rng.randint(1, 50)
    for engine, db in grader.each("rename_product", shop):
        want = state(shop)
        expect_changed(
            db,
            engine,
            rel,
            sql,
            {"id": missing, "name": "Nothing"},
            0,
            f"for the unknown id {missing}",
        )
        expect_tables(
            db,
            engine,
            want,
            f"running {rel} for the unknown id {missing}",
            sql=sql,
            params={"id": missing, "name": "Nothing"},
            rel=rel,
        )
        params = {"id": target.id, "name": new_name}
        expect_changed(db, engine, rel, sql, params, 1, f"for product {target.id}")
        want["products"] = [
            (r[0], new_name, *r[2:]) if r[0] == target.id else r for r in want["products"]
        ]
        expect_tables(
            db,
            engine,
            want,
            f"renaming product {target.id} with {rel}",
            sql=sql,
            params=params,
            rel=rel,
        )


@pytest.mark.stage("crud")
def test_restock_product(grader, project):
    """restock_product.sql adds to one product's stock; an unknown id changes nothing."""
    rel = "crud/restock_product.sql"
    sql = project.sql(rel)
    shop = grader.shop("restock")
    rng = random.Random(f"{grader.uid}-restock")
    targets = [
        rng.choice([p for p in shop.products if p.stock > 0]),
        rng.choice([p for p in shop.products if p.stock == 0]),
    ]
    missing = max(p.id for p in shop.products) + rng.randint(1, 50)
    for engine, db in grader.each("restock_product", shop):
        want = state(shop)
        expect_changed(
            db, engine, rel, sql, {"id": missing, "quantity": 5}, 0, f"for the unknown id {missing}"
        )
        for product in targets:
            quantity = rng.randint(5, 40)
            params = {"id": product.id, "quantity": quantity}
            expect_changed(db, engine, rel, sql, params, 1, f"for product {product.id}")
            want["products"] = [
                (*r[:3], r[3] + quantity) if r[0] == product.id else r for r in want["products"]
            ]
            expect_tables(
                db,
                engine,
                want,
                f"adding {quantity} to the stock of product {product.id} "
                f"(it had {product.stock}) with {rel}",
                sql=sql,
                params=params,
                rel=rel,
            )


@pytest.mark.stage("crud")
def test_cancel_order(grader, project):
    """cancel_order.sql cancels a new order and leaves paid, shipped and cancelled ones alone."""
    rel = "crud/cancel_order.sql"
    sql = project.sql(rel)
    shop = grader.shop("cancel")
    rng = random.Random(f"{grader.uid}-cancel")
    pick = {
        status: rng.choice([o for o in shop.orders if o.status == status])
        for status in ("paid", "shipped", "cancelled", "new")
    }
    for engine, db in grader.each("cancel_order", shop):
        want = state(shop)
        for status in ("paid", "shipped", "cancelled"):
            order = pick[status]
            expect_changed(
                db,
                engine,
                rel,
                sql,
                {"id": order.id},
                0,
                f"for order {order.id}, which is {status}",
            )
            expect_tables(
                db,
                engine,
                want,
                f"running {rel} for the {status} order {order.id}",
                sql=sql,
                params={"id": order.id},
                rel=rel,
            )
        order = pick["new"]
        expect_changed(db, engine, rel, sql, {"id": order.id}, 1, f"for the new order {order.id}")
        want["orders"] = [(*r[:3], "cancelled") if r[0] == order.id else r for r in want["orders"]]
        expect_tables(
            db,
            engine,
            want,
            f"cancelling the new order {order.id} with {rel}",
            sql=sql,
            params={"id": order.id},
            rel=rel,
        )


@pytest.mark.stage("crud")
def test_delete_order(grader, project):
    """delete_order.sql deletes the order and its items, and nothing else."""
    rel = "crud/delete_order.sql"
    sql = project.sql(rel)
    shop = grader.shop("delete")
    rng = random.Random(f"{grader.uid}-delete")
    with_items = {o.id for o in shop.orders if len(shop.items_of(o.id)) >= 2}
    per_customer = collections.Counter(o.customer_id for o in shop.orders if o.id in with_items)
    target = rng.choice(
        [o for o in shop.orders if o.id in with_items and per_customer[o.customer_id] > 1]
        or [o for o in shop.orders if o.id in with_items]
    )
    missing = max(o.id for o in shop.orders) + rng.randint(1, 50)
    for engine, db in grader.each("delete_order", shop):
        want = state(shop)
        db.execute(sql, {"id": missing}, source=rel)
        expect_tables(
            db,
            engine,
            want,
            f"running {rel} for the unknown id {missing}",
            sql=sql,
            params={"id": missing},
            rel=rel,
        )
        db.execute(sql, {"id": target.id}, source=rel)
        want["orders"] = [r for r in want["orders"] if r[0] != target.id]
        want["order_items"] = [r for r in want["order_items"] if r[0] != target.id]
        expect_tables(
            db,
            engine,
            want,
            f"deleting order {target.id} (customer {target.customer_id}, "
            f"{len(shop.items_of(target.id))} items) with {rel}",
            sql=sql,
            params={"id": target.id},
            rel=rel,
        )
