"""Stage catalog: products, a filtered and sorted list, ETags, admin-only writes."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


def _fields(shop, **over):
    return {
        "name": shop.unique("Lamp"),
        "description": "A desk lamp",
        "price": 4599,
        "currency": "EUR",
        "stock": 7,
        **over,
    }


def _list(api, **params):
    resp = api.get("/api/products", params=params)
    expect_status(resp, 200)
    body = expect_json(resp)
    products = expect_field(body, "products", list)
    count = expect_field(body, "productsCount", int)
    return products, count


@pytest.mark.stage("catalog")
def test_create_product(api, shop, admin):
    fields = _fields(shop)
    resp = api.post("/api/products", json={"product": fields}, token=admin.token)
    expect_status(resp, 201)
    product = expect_field(expect_json(resp), "product", dict)
    expect_field(product, "id", str)
    for name in ("name", "description", "price", "currency", "stock"):
        expect_equal(product.get(name), fields[name], f"product.{name}")
    for name in ("createdAt", "updatedAt"):
        stamp = expect_field(product, name, str)
        expect(
            _has_zone(stamp),
            f"expected product.{name} to be an ISO 8601 timestamp with a "
            f"time zone (e.g. 2026-11-29T09:00:00.000Z), got {stamp!r}",
        )
    again = shop.get_product(product["id"])
    expect_equal(again.get("name"), fields["name"], "product.name from GET /api/products/{id}")


@pytest.mark.stage("catalog")
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("price", 19.99),
        ("price", 1999.0),  # a float, even a whole one: JSON parsers that coerce it hide a bug
        ("price", "1999"),
        ("price", 0),
        ("price", -5),
        ("stock", -1),
        ("stock", 1.5),
        ("currency", "USD"),
    ],
)
def test_create_product_validation_is_422(api, shop, admin, field, value):
    resp = api.post(
        "/api/products", json={"product": _fields(shop, **{field: value})}, token=admin.token
    )
    expect(
        resp.status_code == 422,
        f"expected 422 for a product with {field} {value!r}, got {resp.status_code}",
    )
    shop.check_error(resp, 422, field)


@pytest.mark.stage("catalog")
def test_writes_need_the_admin(api, shop, admin, alice):
    product = shop.product()
    path = f"/api/products/{product['id']}"
    for method, body in (("PUT", {"product": {"price": 1}}), ("DELETE", None)):
        shop.check_error(api.request(method, path, json=body, token=alice.token), 403)
        shop.check_error(api.request(method, path, json=body), 401)
    expect_equal(shop.get_product(product["id"]).get("price"), product["price"], "product.price")


@pytest.mark.stage("catalog")
def test_update_and_delete(api, shop, admin):
    product = shop.product(price=1000)
    path = f"/api/products/{product['id']}"
    resp = api.put(path, json={"product": {"price": 1250}}, token=admin.token)
    expect_status(resp, 200)
    updated = expect_field(expect_json(resp), "product", dict)
    expect_equal(updated.get("price"), 1250, "product.price after PUT")
    expect_equal(updated.get("name"), product["name"], "product.name (unchanged) after PUT")
    resp = api.put(path, json={"product": {"price": 12.5}}, token=admin.token)
    shop.check_error(resp, 422, "price")
    expect_status(api.delete(path, token=admin.token), 204)
    shop.check_error(api.get(path), 404)


@pytest.mark.stage("catalog")
def test_unknown_product_is_404(api, shop):
    shop.check_error(api.get("/api/products/999999999"), 404)


@pytest.mark.stage("catalog")
def test_etag_and_if_none_match(api, shop, admin):
    product = shop.product()
    path = f"/api/products/{product['id']}"
    resp = api.get(path)
    expect_status(resp, 200)
    first = resp.headers.get("etag")
    expect(first, "expected an ETag header on GET /api/products/{id}, got none")
    resp = api.get(path, headers={"If-None-Match": first})
    expect_status(resp, 304)
    expect(resp.content == b"", f"expected no body with 304, got {resp.text[:80]!r}")
    expect_status(api.put(path, json={"product": {"stock": 3}}, token=admin.token), 200)
    resp = api.get(path)
    second = resp.headers.get("etag")
    expect(
        second and second != first,
        f"expected the ETag to change when the product changes, got {first!r} before and "
        f"{second!r} after",
    )
    resp = api.get(path, headers={"If-None-Match": first})
    expect_status(resp, 200)
    expect_equal(expect_field(expect_json(resp), "product.stock"), 3, "product.stock")
    expect_status(api.get(path, headers={"If-None-Match": second}), 304)


@pytest.mark.stage("catalog")
def test_list_filters_sorts_and_pages(api, shop):
    tag = shop.unique("zq")
    # Created in an order that matches neither price nor name order.
    made = [
        shop.product(name=f"{tag} bravo", price=300),
        shop.product(name=f"{tag} alpha", price=900),
        shop.product(name=f"{tag} charlie", price=100),
        shop.product(
            name=f"Other {shop.unique('x')}", price=500, description=f"About {tag.upper()}"
        ),
    ]
    ids = [p["id"] for p in made]
    products, count = _list(api, q=tag, limit=100)
    expect_equal(count, 4, f"productsCount for q={tag} (name or description, any case)")
    expect_equal([p["id"] for p in products], list(reversed(ids)), "the default order (-createdAt)")
    for sort, expected in (
        ("price", [ids[2], ids[0], ids[3], ids[1]]),
        ("-price", [ids[1], ids[3], ids[0], ids[2]]),
        ("createdAt", ids),
    ):
        products, _ = _list(api, q=tag, sort=sort)
        expect_equal([p["id"] for p in products], expected, f"product ids with sort={sort}")
    by_name = [ids[3], ids[1], ids[0], ids[2]]  # "Other ...", "<tag> alpha", bravo, charlie
    products, _ = _list(api, q=tag, sort="name")
    expect_equal([p["id"] for p in products], by_name, "product ids with sort=name")
    products, _ = _list(api, q=tag, sort="-name")
    expect_equal([p["id"] for p in products], by_name[::-1], "product ids with sort=-name")
    products, count = _list(api, q=tag, minPrice=300, maxPrice=500, sort="price")
    expect_equal(
        [p["id"] for p in products], [ids[0], ids[3]], "ids with minPrice=300&maxPrice=500"
    )
    expect_equal(count, 2, "productsCount with minPrice=300&maxPrice=500")
    page1, count = _list(api, q=tag, sort="price", limit=3, offset=0)
    page2, _ = _list(api, q=tag, sort="price", limit=3, offset=3)
    expect_equal(count, 4, "productsCount with limit=3 (it ignores limit and offset)")
    expect_equal(
        [p["id"] for p in page1 + page2], [ids[2], ids[0], ids[3], ids[1]], "two pages of 3"
    )
    products, count = _list(api, q=f"nothing-matches-{tag}")
    expect_equal((products, count), ([], 0), "products and productsCount for a q matching nothing")


@pytest.mark.stage("catalog")
def test_ties_never_repeat_across_pages(api, shop):
    tag = shop.unique("tie")
    made = [shop.product(name=f"{tag} {i}", price=777) for i in range(5)]
    ids = {p["id"] for p in made}
    # Update the first two: their rows move, so a list without a tie-break stops coming back
    # in insertion order by luck.
    for product in made[:2]:
        resp = api.put(
            f"/api/products/{product['id']}",
            json={"product": {"description": "updated"}},
            token=shop.admin().token,
        )
        expect_status(resp, 200)
    seen: list[str] = []
    for offset in range(0, 5, 2):
        products, _ = _list(api, q=tag, sort="price", limit=2, offset=offset)
        seen += [p["id"] for p in products]
    expect_equal(sorted(seen), sorted(ids), "ids over pages of 2 with equal prices (ties by id)")
    # Pages that happen not to overlap are not enough: the order of ties must be the ids' order
    # (either direction), or a later insert or vacuum may reshuffle them between requests.
    whole, _ = _list(api, q=tag, sort="price", limit=5)
    by_id = sorted(ids, key=_id_key)
    for got, how in (([p["id"] for p in whole], "one page"), (seen, "pages of 2")):
        expect(
            got in (by_id, by_id[::-1]),
            f"expected products with equal prices in the order of their ids (ties broken by "
            f"id), got ids {got} ({how}; by id: {by_id})",
        )


def _has_zone(stamp: str) -> bool:
    from datetime import datetime

    try:
        return "T" in stamp and datetime.fromisoformat(stamp).tzinfo is not None
    except ValueError:
        return False


def _id_key(product_id: str) -> tuple:
    """How a database orders ids: numbers numerically, anything else as text."""
    return (0, int(product_id), "") if product_id.isdigit() else (1, 0, product_id)


@pytest.mark.stage("catalog")
@pytest.mark.parametrize(
    "params",
    [
        {"limit": "abc"},
        {"limit": -1},
        {"offset": -1},
        {"sort": "stock"},
        {"minPrice": "cheap"},
        {"maxPrice": 1.5},
    ],
)
def test_bad_list_parameters_are_422(api, shop, params):
    resp = api.get("/api/products", params=params)
    expect(
        resp.status_code == 422,
        f"expected 422 for GET /api/products with {params}, got {resp.status_code}",
    )
    shop.check_error(resp, 422)
