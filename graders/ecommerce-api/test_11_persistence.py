"""Extension stage persistence: data survives a restart of the server."""

import pytest

from learnpath.grading.checks import expect_equal, expect_status


@pytest.mark.stage("persistence")
def test_data_survives_a_restart(api, shop, server, control, admin, alice):
    paid, product = shop.paid_order(alice, control)
    pending, _ = shop.order_for(alice)
    server.restart()
    again = shop.get_product(product["id"])
    expect_equal(again.get("name"), product["name"], "product.name after a restart")
    expect_equal(
        shop.get_order(alice, paid["id"]).get("status"),
        "paid",
        "a paid order's status after a restart",
    )
    expect_equal(
        shop.get_order(alice, pending["id"]).get("total"),
        pending["total"],
        "order.total after a restart",
    )
    resp = api.post(
        "/api/users/login", json={"user": {"email": alice.email, "password": alice.password}}
    )
    expect_status(resp, 200)
    resp = api.post(
        "/api/users/login", json={"user": {"email": "admin@shop.test", "password": admin.password}}
    )
    expect_status(resp, 200)


@pytest.mark.stage("persistence")
def test_restart_does_not_duplicate_the_admin(api, shop, server, admin, services):
    import psycopg

    server.restart()
    server.restart()
    with psycopg.connect(services.postgres.dsn, connect_timeout=10) as conn:
        tables = conn.execute(
            """SELECT c.table_schema, c.table_name FROM information_schema.columns c
               WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema')
                 AND c.column_name = 'email'"""
        ).fetchall()
        from psycopg import sql

        total = 0
        for schema, table in tables:
            query = sql.SQL("SELECT count(*) FROM {}.{} WHERE email = %s").format(
                sql.Identifier(schema), sql.Identifier(table)
            )
            row = conn.execute(query, ("admin@shop.test",)).fetchone()
            total += row[0] if row else 0
    expect_equal(total, 1, "rows holding admin@shop.test after two restarts")


@pytest.mark.stage("persistence")
def test_an_idempotency_key_still_replays_after_a_restart(api, shop, server, alice):
    """A client that retries a checkout after the server restarted must get the same order,
    not a second one: idempotency keys are data, not process memory."""
    product = shop.product(stock=5)
    shop.put_item(alice, product["id"], 1)
    key = shop.unique("restart-key")
    first = shop.checkout(alice, key)
    server.restart()
    resp = api.post("/api/orders", json={}, token=alice.token, headers={"Idempotency-Key": key})
    expect_status(resp, 201)
    expect_equal(
        (resp.json().get("order") or {}).get("id"),
        first["id"],
        "order.id of a checkout retried with the same Idempotency-Key after a restart",
    )
    expect_equal(shop.get_product(product["id"]).get("stock"), 4, "product.stock (one checkout)")
