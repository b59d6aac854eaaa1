"""Stage lifecycle: the order state machine, cancelling releases stock, illegal moves are 409."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json


def _ok(resp, what):
    expect(
        200 <= resp.status_code < 300,
        f"expected 2xx for {what}, got {resp.status_code}: {resp.text[:120]!r}",
    )


def _refused(shop, resp, status_from, status_to, what):
    shop.check_error(resp, 409, "status")
    expect_equal(
        resp.json()["errors"]["status"][:1],
        [f"cannot go from {status_from} to {status_to}"],
        f"errors.status for {what}",
    )


@pytest.mark.stage("lifecycle")
def test_cancel_releases_stock(api, shop, alice):
    order, product = shop.order_for(alice, quantity=3, stock=5)
    expect_equal(shop.get_product(product["id"]).get("stock"), 2, "stock after ordering 3 of 5")
    _ok(
        api.post(f"/api/orders/{order['id']}/cancel", token=alice.token),
        "the owner cancelling a pending order",
    )
    expect_equal(
        shop.get_order(alice, order["id"]).get("status"), "cancelled", "order.status after cancel"
    )
    expect_equal(
        shop.get_product(product["id"]).get("stock"), 5, "stock after the order was cancelled"
    )
    resp = api.post(f"/api/orders/{order['id']}/cancel", token=alice.token)
    _refused(shop, resp, "cancelled", "cancelled", "cancelling twice")
    expect_equal(
        shop.get_product(product["id"]).get("stock"), 5, "stock after a refused second cancel"
    )
    shop.check_error(
        api.post(f"/api/orders/{order['id']}/payment", token=alice.token), 409, "status"
    )


@pytest.mark.stage("lifecycle")
def test_who_may_cancel(api, shop, admin, alice, bob):
    order, _ = shop.order_for(alice)
    shop.check_error(api.post(f"/api/orders/{order['id']}/cancel", token=bob.token), 404)
    shop.check_error(api.post(f"/api/orders/{order['id']}/cancel"), 401)
    _ok(
        api.post(f"/api/orders/{order['id']}/cancel", token=admin.token),
        "the admin cancelling an order",
    )


@pytest.mark.stage("lifecycle")
def test_fulfil_and_deliver(api, shop, admin, control, webhooks, alice):
    pending, _ = shop.order_for(alice)
    path = f"/api/orders/{pending['id']}"
    shop.check_error(api.post(f"{path}/fulfil", token=alice.token), 403)
    _refused(
        shop,
        api.post(f"{path}/fulfil", token=admin.token),
        "pending",
        "fulfilled",
        "fulfilling a pending order",
    )
    order, _ = shop.paid_order(alice, control)
    path = f"/api/orders/{order['id']}"
    _refused(
        shop,
        api.post(f"{path}/cancel", token=alice.token),
        "paid",
        "cancelled",
        "cancelling a paid order",
    )
    shop.check_error(api.post(f"{path}/payment", token=alice.token), 409, "status")
    _refused(
        shop,
        api.post(f"{path}/deliver", token=admin.token),
        "paid",
        "delivered",
        "delivering a paid order",
    )
    shop.check_error(api.post(f"{path}/deliver", token=alice.token), 403)
    _ok(api.post(f"{path}/fulfil", token=admin.token), "fulfilling a paid order")
    expect_equal(
        shop.get_order(alice, order["id"]).get("status"), "fulfilled", "order.status after fulfil"
    )
    intent = next(pi for pi in control.payment_intents() if pi["id"] == order["paymentIntentId"])
    late = webhooks.event(intent, "payment_intent.succeeded", f"after_fulfil_{intent['id']}")
    resp = webhooks.post(late)
    expect(
        200 <= resp.status_code < 300, f"expected 2xx for a signed event, got {resp.status_code}"
    )
    expect_equal(
        shop.get_order(alice, order["id"]).get("status"),
        "fulfilled",
        "order.status after a late succeeded event",
    )
    _ok(api.post(f"{path}/deliver", token=admin.token), "delivering a fulfilled order")
    done = shop.get_order(alice, order["id"])
    expect_equal(done.get("status"), "delivered", "order.status after deliver")
    _refused(
        shop,
        api.post(f"{path}/deliver", token=admin.token),
        "delivered",
        "delivered",
        "delivering twice",
    )
    _refused(
        shop,
        api.post(f"{path}/cancel", token=admin.token),
        "delivered",
        "cancelled",
        "cancelling a delivered order",
    )
    expect_field(expect_json(api.get(path, token=alice.token)), "order.status")
