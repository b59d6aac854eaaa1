"""Stage cart: one cart per user, current prices, quantities checked against stock."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


def _cart(api, user):
    resp = api.get("/api/cart", token=user.token)
    expect_status(resp, 200)
    return expect_field(expect_json(resp), "cart", dict)


@pytest.mark.stage("cart")
def test_cart_lines_use_current_prices_in_added_order(api, shop, admin, alice):
    second = shop.product(price=300)
    first = shop.product(price=1250)
    shop.put_item(alice, second["id"], 2)
    shop.put_item(alice, first["id"], 1)
    resp = api.put(
        f"/api/products/{second['id']}", json={"product": {"price": 450}}, token=admin.token
    )
    expect_status(resp, 200)
    cart = _cart(api, alice)
    items = expect_field(cart, "items", list)
    expect_equal([i.get("productId") for i in items], [second["id"], first["id"]], "item order")
    expect_equal(
        items[0].get("unitPrice"), 450, "unitPrice after the price changed (current price)"
    )
    expect_equal(items[0].get("lineTotal"), 900, "lineTotal of 2 x 450")
    expect_equal(items[0].get("name"), second["name"], "items[0].name")
    expect_equal(cart.get("total"), 900 + 1250, "cart.total")
    expect_equal(cart.get("currency"), "EUR", "cart.currency")


@pytest.mark.stage("cart")
def test_put_sets_rather_than_adds(api, shop, alice):
    product = shop.product(stock=5)
    shop.put_item(alice, product["id"], 3)
    cart = shop.put_item(alice, product["id"], 2)
    expect_equal(
        [i.get("quantity") for i in cart.get("items", [])], [2], "quantities after PUT 3 then PUT 2"
    )


@pytest.mark.stage("cart")
@pytest.mark.parametrize("quantity", [0, -1, 1.5, "2", 6])
def test_bad_quantity_is_422(api, shop, alice, quantity):
    product = shop.product(stock=5)
    resp = api.put(
        f"/api/cart/items/{product['id']}", json={"quantity": quantity}, token=alice.token
    )
    expect(
        resp.status_code == 422,
        f"expected 422 for quantity {quantity!r} (stock 5), got {resp.status_code}",
    )
    shop.check_error(resp, 422, "quantity")


@pytest.mark.stage("cart")
def test_unknown_product_and_missing_item_are_404(api, shop, alice):
    shop.check_error(
        api.put("/api/cart/items/999999999", json={"quantity": 1}, token=alice.token), 404
    )
    product = shop.product()
    shop.check_error(api.delete(f"/api/cart/items/{product['id']}", token=alice.token), 404)


@pytest.mark.stage("cart")
def test_delete_item_and_carts_are_per_user(api, shop, alice, bob):
    a, b = shop.product(), shop.product()
    shop.put_item(alice, a["id"], 1)
    shop.put_item(alice, b["id"], 1)
    resp = api.delete(f"/api/cart/items/{a['id']}", token=alice.token)
    expect_status(resp, 200)
    items = expect_field(expect_json(resp), "cart.items", list)
    expect_equal([i.get("productId") for i in items], [b["id"]], "alice's items after the DELETE")
    expect_equal(_cart(api, bob).get("items"), [], "bob's cart (alice filled hers)")
    shop.check_error(api.get("/api/cart"), 401)


@pytest.mark.stage("cart")
def test_concurrent_puts_lose_nothing(api, shop, alice):
    products = [shop.product() for _ in range(6)]

    def put(product):
        with httpx.Client(base_url=api.base_url, timeout=api.timeout, trust_env=False) as http:
            return http.put(
                f"/api/cart/items/{product['id']}",
                json={"quantity": 1},
                headers={"Authorization": f"Token {alice.token}"},
            ).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(put, products))
    expect(all(c == 200 for c in codes), f"expected 200 for 6 concurrent PUTs, got {codes}")
    ids = sorted(i.get("productId") for i in _cart(api, alice).get("items", []))
    expect_equal(ids, sorted(p["id"] for p in products), "the cart after 6 concurrent PUTs")
