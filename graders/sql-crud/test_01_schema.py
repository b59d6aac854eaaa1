"""Stage schema: schema/sqlite.sql and schema/postgres.sql make the four tables, and the
databases themselves enforce the shop's rules."""

from __future__ import annotations

import pytest
from conftest import (
    ENGINES,
    ID_HINT,
    LABEL,
    SCHEMA_FILE,
    TABLES,
    TEXT_COLUMNS,
    Customer,
    Item,
    Order,
    Product,
    Shop,
    expect_tables,
    with_hint,
)

from learnpath.grading.checks import expect

SQLITE_COLUMNS = "SELECT name, type FROM pragma_table_info('{table}')"
SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
PG_COLUMNS = (
    "SELECT column_name, data_type FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND table_name = '{table}' ORDER BY ordinal_position"
)
PG_TABLES = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
PG_INTEGER = {"integer", "bigint", "smallint"}
PG_TEXT = {"text", "character varying", "character"}

UNIQUE, FOREIGN_KEY, CHECK, NOT_NULL = "23505", "23503", "23514", "23502"
NEW_ORDER = "INSERT INTO orders (customer_id, placed_on, status) VALUES "
NEW_ITEM = "INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) VALUES "


def tiny_shop() -> Shop:
    """Two customers, two products, two orders (the first with two items), explicit ids."""
    shop = Shop(
        customers=[
            Customer(1, "Ann", "ann@example.com", "DE"),
            Customer(2, "Bo", "bo@example.org", None),
        ],
        products=[Product(1, "Lamp", 4599, 3), Product(2, "Mug", 990, 0)],
        orders=[Order(1, 1, "2025-01-05", "paid"), Order(2, 1, "2025-01-06", "new")],
        items=[Item(1, 1, 1, 4599), Item(1, 2, 2, 990), Item(2, 2, 1, 990)],
    )
    shop.insert_order = {table: shop.rows(table) for table in TABLES}
    return shop


def type_ok(engine: str, column: str, declared: str) -> bool:
    if engine == "sqlite":
        upper = declared.upper()
        if column in TEXT_COLUMNS:
            return any(word in upper for word in ("CHAR", "CLOB", "TEXT"))
        return "INT" in upper
    return declared in (PG_TEXT if column in TEXT_COLUMNS else PG_INTEGER)


@pytest.fixture(scope="module")
def schema_dbs(grader) -> dict:
    """A database of each engine with the learner's schema, shared by the read-only checks."""
    return {engine: grader.empty(engine, f"schema_{engine}") for engine in ENGINES}


@pytest.fixture(scope="module")
def tiny_dbs(grader, schema_dbs) -> dict:
    """``schema_dbs`` holding the rows of ``tiny_shop`` (statements on them are rolled back)."""
    shop = tiny_shop()
    return {engine: grader.fill(engine, db, shop) for engine, db in schema_dbs.items()}


@pytest.mark.stage("schema")
def test_tables_and_columns(schema_dbs):
    """The four tables exist with exactly the brief's columns, with integer and text types."""
    for engine, db in schema_dbs.items():
        rel = SCHEMA_FILE[engine]
        list_tables, list_columns = (
            (SQLITE_TABLES, SQLITE_COLUMNS) if engine == "sqlite" else (PG_TABLES, PG_COLUMNS)
        )
        tables = sorted(r[0] for r in db.query(list_tables).rows)
        for table, wanted in TABLES.items():
            expect(
                table in tables,
                f"expected {rel} to create a table named {table} on {LABEL[engine]}, found "
                f"tables: {', '.join(tables) or 'none'}",
            )
            columns = dict(db.query(list_columns.format(table=table)).rows)
            missing = [c for c in wanted if c not in columns]
            extra = [c for c in columns if c not in wanted]
            expect(
                not missing and not extra,
                f"expected {table} on {LABEL[engine]} ({rel}) to have exactly the columns "
                f"{', '.join(wanted)}; "
                + "; ".join(
                    part
                    for part in (
                        f"missing {', '.join(missing)}" if missing else "",
                        f"not in the brief: {', '.join(extra)}" if extra else "",
                    )
                    if part
                ),
            )
            for column in wanted:
                kind = "a text" if column in TEXT_COLUMNS else "an integer"
                expect(
                    type_ok(engine, column, str(columns[column] or "")),
                    f"expected {table}.{column} on {LABEL[engine]} ({rel}) to have {kind} type "
                    f"(INTEGER or TEXT), got {columns[column] or 'no type'!r}"
                    + ("; money is whole cents, never REAL" if "cents" in column else ""),
                )


@pytest.mark.stage("schema")
def test_valid_rows_get_ids_and_defaults(grader):
    """Rows without id, stock or status get ids, stock 0 and status new; own ids are accepted.

    A NULL country and a price of 0 are accepted too."""
    for engine, db in grader.each("valid_rows"):
        rel = SCHEMA_FILE[engine]
        hint = f"{ID_HINT[engine]} ({rel})"

        def insert(sql: str, params: dict, what: str, hint: str = hint, db=db) -> None:
            with_hint(hint, lambda: db.execute(sql, params, source=what))

        for name, email, country in (
            ("Ann", "ann@example.com", "DE"),
            ("Bo", "bo@example.org", None),
        ):
            insert(
                "INSERT INTO customers (name, email, country) VALUES (:name, :email, :country)",
                {"name": name, "email": email, "country": country},
                f"inserting a customer without an id (country {country!r})",
            )
        ids = [r[0] for r in db.query("SELECT id FROM customers").rows]
        expect(
            len(ids) == 2 and all(isinstance(i, int) for i in ids) and len(set(ids)) == 2,
            f"expected two customers inserted without an id to get two distinct integer ids on "
            f"{LABEL[engine]}, got {ids} ({hint})",
        )
        insert(
            "INSERT INTO products (name, price_cents) VALUES (:name, :price)",
            {"name": "Gift card", "price": 0},
            "inserting a product with price 0 and no id or stock",
        )
        stock = db.query("SELECT id, stock FROM products").rows
        expect(
            len(stock) == 1 and isinstance(stock[0][0], int) and stock[0][1] == 0,
            f"expected a product inserted without an id or a stock to get an integer id and "
            f"stock 0 (DEFAULT 0) on {LABEL[engine]}, got (id, stock) {stock} ({rel})",
        )
        insert(
            "INSERT INTO orders (customer_id, placed_on) VALUES (:customer, :day)",
            {"customer": ids[0], "day": "2025-01-31"},
            "inserting an order without an id or a status",
        )
        orders = db.query("SELECT id, status FROM orders").rows
        expect(
            len(orders) == 1 and isinstance(orders[0][0], int) and orders[0][1] == "new",
            f"expected an order inserted without an id or a status to get an integer id and "
            f"status 'new' (DEFAULT 'new') on {LABEL[engine]}, got (id, status) {orders} ({rel})",
        )
        insert(
            "INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) "
            "VALUES (:order_id, :product_id, 2, 0)",
            {"order_id": orders[0][0], "product_id": stock[0][0]},
            "inserting a valid order item",
            f"order_items has no id of its own ({rel})",
        )
        own_ids = (
            "a row brought with an id of its own must be accepted"
            + ("; GENERATED ALWAYS refuses it, BY DEFAULT does not" if engine == "postgres" else "")
            + f" ({rel})"
        )
        insert(
            "INSERT INTO customers (id, name, email, country) "
            "VALUES (9001, 'Cy', 'cy@x.test', 'FR')",
            {},
            "inserting a customer with the id 9001",
            own_ids,
        )
        insert(
            "INSERT INTO products (id, name, price_cents, stock) VALUES (9001, 'Pen', 250, 5)",
            {},
            "inserting a product with the id 9001",
            own_ids,
        )
        insert(
            "INSERT INTO orders (id, customer_id, placed_on, status) "
            "VALUES (9001, 9001, '2025-02-01', 'paid')",
            {},
            "inserting an order with the id 9001",
            own_ids,
        )


def _violations(dbs: dict, cases: list[tuple[str, str, str]]) -> None:
    for engine, db in dbs.items():
        for sql, state, rule in cases:
            db.expect_violation(sql, sqlstate=state, rule=f"{rule} ({SCHEMA_FILE[engine]})")


@pytest.mark.stage("schema")
def test_required_values_and_unique_email(tiny_dbs):
    """Missing required values, a duplicate email and a product twice in one order are refused."""
    _violations(
        tiny_dbs,
        [
            (
                "INSERT INTO customers (name, email) VALUES (NULL, 'nameless@example.com')",
                NOT_NULL,
                "customers.name is required (NOT NULL)",
            ),
            (
                "INSERT INTO customers (name, email) VALUES ('Mo', NULL)",
                NOT_NULL,
                "customers.email is required (NOT NULL)",
            ),
            (
                "INSERT INTO customers (name, email, country) "
                "VALUES ('Other Ann', 'ann@example.com', 'AT')",
                UNIQUE,
                "two customers cannot share an email (UNIQUE)",
            ),
            (
                "INSERT INTO products (name, price_cents, stock) VALUES (NULL, 100, 1)",
                NOT_NULL,
                "products.name is required (NOT NULL)",
            ),
            (
                "INSERT INTO products (name, price_cents, stock) VALUES ('Free?', NULL, 1)",
                NOT_NULL,
                "products.price_cents is required (NOT NULL)",
            ),
            (
                "INSERT INTO products (name, price_cents, stock) VALUES ('Ghost', 100, NULL)",
                NOT_NULL,
                "products.stock is required (NOT NULL, DEFAULT 0)",
            ),
            (
                NEW_ORDER + "(NULL, '2025-01-07', 'new')",
                NOT_NULL,
                "orders.customer_id is required (NOT NULL)",
            ),
            (
                NEW_ORDER + "(1, NULL, 'new')",
                NOT_NULL,
                "orders.placed_on is required (NOT NULL)",
            ),
            (
                NEW_ORDER + "(1, '2025-01-07', NULL)",
                NOT_NULL,
                "orders.status is required (NOT NULL, DEFAULT 'new')",
            ),
            (
                NEW_ITEM + "(2, 1, NULL, 4599)",
                NOT_NULL,
                "order_items.quantity is required (NOT NULL)",
            ),
            (
                NEW_ITEM + "(2, 1, 1, NULL)",
                NOT_NULL,
                "order_items.unit_price_cents is required (NOT NULL)",
            ),
            (
                NEW_ITEM + "(1, 2, 5, 990)",
                UNIQUE,
                "an order holds each product once (PRIMARY KEY (order_id, product_id))",
            ),
        ],
    )


@pytest.mark.stage("schema")
def test_check_constraints(tiny_dbs):
    """Negative money or stock, a quantity of 0 and an unknown status are refused by CHECKs."""
    _violations(
        tiny_dbs,
        [
            (
                "INSERT INTO products (name, price_cents, stock) VALUES ('Refund', -1, 1)",
                CHECK,
                "a price is never negative (CHECK (price_cents >= 0))",
            ),
            (
                "UPDATE products SET price_cents = -500 WHERE id = 1",
                CHECK,
                "a price is never negative, on UPDATE too (CHECK (price_cents >= 0))",
            ),
            (
                "UPDATE products SET stock = -1 WHERE id = 2",
                CHECK,
                "stock is never negative (CHECK (stock >= 0))",
            ),
            (
                NEW_ORDER + "(1, '2025-01-07', 'lost')",
                CHECK,
                "an order's status is new, paid, shipped or cancelled (CHECK (status IN (...)))",
            ),
            (
                NEW_ITEM + "(2, 1, 0, 4599)",
                CHECK,
                "an item's quantity is above 0 (CHECK (quantity > 0))",
            ),
            (
                NEW_ITEM + "(2, 1, 1, -4599)",
                CHECK,
                "an item's unit price is never negative (CHECK (unit_price_cents >= 0))",
            ),
        ],
    )


@pytest.mark.stage("schema")
def test_foreign_keys(tiny_dbs):
    """Rows pointing at nothing, and deleting an ordered product or a buyer, are refused."""
    _violations(
        tiny_dbs,
        [
            (
                NEW_ORDER + "(777, '2025-01-07', 'new')",
                FOREIGN_KEY,
                "an order belongs to an existing customer (REFERENCES customers (id))",
            ),
            (
                NEW_ITEM + "(777, 1, 1, 4599)",
                FOREIGN_KEY,
                "an item belongs to an existing order (REFERENCES orders (id))",
            ),
            (
                NEW_ITEM + "(2, 777, 1, 4599)",
                FOREIGN_KEY,
                "an item is of an existing product (REFERENCES products (id))",
            ),
            (
                "DELETE FROM customers WHERE id = 1",
                FOREIGN_KEY,
                "a customer who has orders cannot be deleted (no ON DELETE CASCADE on "
                "orders.customer_id)",
            ),
            (
                "DELETE FROM products WHERE id = 1",
                FOREIGN_KEY,
                "a product that was ordered cannot be deleted (no ON DELETE CASCADE on "
                "order_items.product_id)",
            ),
        ],
    )


@pytest.mark.stage("schema")
def test_deleting_an_order_deletes_its_items(grader):
    """Deleting an order deletes its items, and nothing else."""
    shop = tiny_shop()
    for engine, db in grader.each("cascade", shop):
        with_hint(
            f"give order_items.order_id ON DELETE CASCADE in {SCHEMA_FILE[engine]}",
            lambda db=db: db.execute(
                "DELETE FROM orders WHERE id = 1", source="deleting order 1, which has two items"
            ),
        )
        want = {table: shop.rows(table) for table in TABLES}
        want["orders"] = [r for r in want["orders"] if r[0] != 1]
        want["order_items"] = [r for r in want["order_items"] if r[0] != 1]
        expect_tables(
            db,
            engine,
            want,
            "deleting order 1",
            sql="DELETE FROM orders WHERE id = 1",
            rel="deleting order 1, which has two items",
        )
