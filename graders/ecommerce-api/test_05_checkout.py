"""Stage checkout: orders made from the cart and the catalog, idempotently, in one transaction."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


@pytest.mark.stage("checkout")
def test_checkout_makes_a_pending_order(api, shop, alice):
    product = shop.product(price=1500, stock=5)
    shop.put_item(alice, product["id"], 2)
    # A tampering client: totals, prices and items in the body are ignored.
    tampered = {"total": 1, "items": [{"productId": product["id"], "quantity": 9, "unitPrice": 1}]}
    resp = api.post("/api/orders", json=tampered, token=alice.token)
    expect_status(resp, 201)
    order = shop.check_order(expect_field(expect_json(resp), "order"))
    expect_equal(order["status"], "pending", "order.status")
    expect_equal(order["total"], 3000, "order.total (2 x 1500, computed by the server)")
    expect_equal(order["refundedAmount"], 0, "order.refundedAmount")
    expect_equal(order["paymentIntentId"], None, "order.paymentIntentId before payment")
    expect_equal(
        [(i["productId"], i["quantity"], i["unitPrice"], i["lineTotal"]) for i in order["items"]],
        [(product["id"], 2, 1500, 3000)],
        "order.items (productId, quantity, unitPrice, lineTotal)",
    )
    expect_equal(shop.get_product(product["id"]).get("stock"), 3, "stock after ordering 2 of 5")
    cart = expect_field(expect_json(api.get("/api/cart", token=alice.token)), "cart", dict)
    expect_equal(cart.get("items"), [], "the cart after checkout")


@pytest.mark.stage("checkout")
def test_empty_cart_is_422(api, shop, alice):
    resp = api.post("/api/orders", json={}, token=alice.token)
    shop.check_error(resp, 422, "cart")
    expect_equal(resp.json()["errors"]["cart"][:1], ["is empty"], "errors.cart")


@pytest.mark.stage("checkout")
def test_not_enough_stock_is_409_and_changes_nothing(api, shop, admin, alice):
    plenty = shop.product(stock=10)
    scarce = shop.product(stock=4)
    shop.put_item(alice, plenty["id"], 2)
    shop.put_item(alice, scarce["id"], 3)
    resp = api.put(
        f"/api/products/{scarce['id']}", json={"product": {"stock": 2}}, token=admin.token
    )
    expect_status(resp, 200)
    shop.check_error(api.post("/api/orders", json={}, token=alice.token), 409, "stock")
    expect_equal(
        shop.get_product(plenty["id"]).get("stock"), 10, "stock of the other item (rolled back)"
    )
    expect_equal(shop.get_product(scarce["id"]).get("stock"), 2, "stock of the scarce item")
    items = expect_field(expect_json(api.get("/api/cart", token=alice.token)), "cart.items", list)
    expect_equal(len(items), 2, "items left in the cart after a refused checkout")


@pytest.mark.stage("checkout")
def test_idempotency_key_replays_the_same_order(api, shop, alice):
    product = shop.product(stock=5)
    shop.put_item(alice, product["id"], 1)
    key = shop.unique("key")
    first = api.post("/api/orders", json={}, token=alice.token, headers={"Idempotency-Key": key})
    expect_status(first, 201)
    order = expect_field(expect_json(first), "order", dict)
    shop.put_item(alice, product["id"], 1)  # a new cart, so a second order WOULD be possible
    again = api.post("/api/orders", json={}, token=alice.token, headers={"Idempotency-Key": key})
    expect_status(again, 201)
    expect_equal(expect_field(expect_json(again), "order.id"), order["id"], "the replayed order id")
    expect_equal(
        shop.get_product(product["id"]).get("stock"), 4, "stock after one order and a replay"
    )
    orders = expect_field(expect_json(api.get("/api/orders", token=alice.token)), "orders", list)
    expect_equal(len(orders), 1, "alice's orders after one checkout and its replay")
    resp = api.post(
        "/api/orders",
        json={"note": "different"},
        token=alice.token,
        headers={"Idempotency-Key": key},
    )
    shop.check_error(resp, 422, "idempotencyKey")


@pytest.mark.stage("checkout")
def test_idempotency_keys_are_per_user(api, shop, alice, bob):
    key = shop.unique("shared")
    orders = []
    for user in (alice, bob):
        product = shop.product(stock=5)
        shop.put_item(user, product["id"], 1)
        resp = api.post("/api/orders", json={}, token=user.token, headers={"Idempotency-Key": key})
        expect_status(resp, 201)
        orders.append(expect_field(expect_json(resp), "order.id"))
    expect(
        orders[0] != orders[1], f"expected two orders for one key used by two users, got {orders}"
    )


@pytest.mark.stage("checkout")
def test_orders_are_private_and_listed_newest_first(api, shop, admin, alice, bob):
    first, _ = shop.order_for(alice)
    second, _ = shop.order_for(alice)
    resp = api.get("/api/orders", token=alice.token)
    expect_status(resp, 200)
    body = expect_json(resp)
    ids = [o.get("id") for o in expect_field(body, "orders", list)]
    expect_equal(ids, [second["id"], first["id"]], "alice's order ids (newest first)")
    expect_equal(expect_field(body, "ordersCount"), 2, "ordersCount")
    shop.check_error(api.get(f"/api/orders/{first['id']}", token=bob.token), 404)
    expect_equal(
        expect_field(expect_json(api.get("/api/orders", token=bob.token)), "orders"),
        [],
        "bob's orders",
    )
    resp = api.get(f"/api/orders/{first['id']}", token=admin.token)
    expect_status(resp, 200)
    shop.check_error(api.get("/api/orders/999999999", token=alice.token), 404)
    shop.check_error(api.get("/api/orders"), 401)
