"""Stage concurrency: 50 shoppers race for the last 3 units; exactly 3 win, stock never < 0."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from learnpath.grading.checks import expect, expect_equal

SHOPPERS = 50
STOCK = 3
WORKERS = 25  # bounded: enough to overlap the checkouts without flooding a small machine


def _stock_columns(conn):
    """(schema, table, column) of every integer column named like stock, found through
    information_schema rather than guessed."""
    return conn.execute(
        """SELECT table_schema, table_name, column_name FROM information_schema.columns
           WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
             AND column_name ILIKE '%stock%'
             AND data_type IN ('integer', 'bigint', 'smallint', 'numeric')"""
    ).fetchall()


@pytest.fixture
def race(shop):
    """A product with 3 units and 50 shoppers, each with 1 unit of it in the cart."""
    product = shop.product(stock=STOCK, price=999)

    def shopper(_):
        user = shop.register("racer")
        shop.put_item(user, product["id"], 1)
        return user

    with ThreadPoolExecutor(max_workers=4) as pool:
        users = list(pool.map(shopper, range(SHOPPERS)))
    return product, users


@pytest.mark.stage("concurrency")
def test_fifty_checkouts_for_three_units(api, shop, services, race):
    import psycopg
    from psycopg import sql

    product, users = race

    def checkout(user):
        with httpx.Client(base_url=api.base_url, timeout=60, trust_env=False) as http:
            resp = http.post(
                "/api/orders", json={}, headers={"Authorization": f"Token {user.token}"}
            )
            return resp.status_code

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        codes = list(pool.map(checkout, users))
    counts = {code: codes.count(code) for code in sorted(set(codes))}
    expect(
        counts.get(201) == STOCK and counts.get(409) == SHOPPERS - STOCK,
        f"expected exactly {STOCK} checkouts to answer 201 and {SHOPPERS - STOCK} to answer 409 "
        f"when {SHOPPERS} shoppers race for {STOCK} units, got {counts}",
    )
    expect_equal(shop.get_product(product["id"]).get("stock"), 0, "product.stock after the race")
    with psycopg.connect(services.postgres.dsn, connect_timeout=10) as conn:
        columns = _stock_columns(conn)
        expect(columns, "expected an integer column holding the stock in some table, found none")
        for schema, table, column in columns:
            query = sql.SQL("SELECT count(*) FROM {}.{} WHERE {} < 0").format(
                sql.Identifier(schema), sql.Identifier(table), sql.Identifier(column)
            )
            row = conn.execute(query).fetchone()
            expect(
                row is not None and row[0] == 0,
                f"expected no negative {table}.{column}, got {row[0] if row else '?'} rows below 0",
            )
        stored = []
        for schema, table, column in columns:
            has_name = conn.execute(
                """SELECT 1 FROM information_schema.columns
                   WHERE table_schema = %s AND table_name = %s AND column_name = 'name'""",
                (schema, table),
            ).fetchone()
            if has_name:
                query = sql.SQL("SELECT {} FROM {}.{} WHERE name = %s").format(
                    sql.Identifier(column), sql.Identifier(schema), sql.Identifier(table)
                )
                stored += [r[0] for r in conn.execute(query, (product["name"],)).fetchall()]
        if stored:
            expect_equal(stored, [0], f"the stock of {product['name']!r} in the database")


@pytest.mark.stage("concurrency")
def test_concurrent_payment_calls_make_one_intent(api, shop, control, alice):
    """Ten simultaneous POST /api/orders/{id}/payment for one order: one intent, one charge."""
    order, _ = shop.order_for(alice)

    def pay(_):
        with httpx.Client(base_url=api.base_url, timeout=60, trust_env=False) as http:
            resp = http.post(
                f"/api/orders/{order['id']}/payment",
                headers={"Authorization": f"Token {alice.token}"},
            )
            return resp.status_code, (resp.json().get("payment") or {}).get(
                "intentId"
            ) if resp.status_code < 300 else None

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(pay, range(10)))
    ok = {intent for code, intent in answers if code in (200, 201)}
    expect(
        len(ok) == 1 and all(code in (200, 201) for code, _ in answers),
        f"expected every concurrent payment call to answer 200/201 with one intent, got {answers}",
    )
    intents = [
        pi
        for pi in control.payment_intents()
        if pi.get("metadata", {}).get("order_id") == str(order["id"])
    ]
    expect_equal(len(intents), 1, "intents at the provider for one order paid 10 times at once")
    payment = {"intentId": ok.pop(), "clientSecret": intents[0]["client_secret"]}
    expect_equal(shop.confirm(payment).status_code, 200, "confirming the one intent")
    shop.wait_status(alice, order["id"], "paid", "after the payment")
    charged = [
        pi
        for pi in control.payment_intents()
        if pi.get("metadata", {}).get("order_id") == str(order["id"]) and pi.get("amount_received")
    ]
    expect_equal(len(charged), 1, "charged intents for the order (no double charge)")
