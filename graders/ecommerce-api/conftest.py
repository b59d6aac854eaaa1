"""Shared set-up for the Shop API (ecommerce-api) graders.

Users, products and orders are made per test with names that carry the run's ``uid`` and a
serial number, so checks never depend on each other's data or on what an earlier run left in
the database. Set-up steps accept any 2xx answer: the exact status of, say, a checkout is graded
by its own stage, not by every stage that merely needs an order.

The payment provider is the fake one learnpath starts for the run; graders steer it through
``control`` (hold events, deliver them twice, out of order, with a bad signature) and read what
the learner's server sent it (``control.requests``).
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass

import httpx
import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status

CARD_OK = "4242424242424242"
WEBHOOK_PATH = "/webhooks/payments"
ORDER_FIELDS = (
    "id",
    "status",
    "items",
    "total",
    "refundedAmount",
    "currency",
    "paymentIntentId",
    "createdAt",
    "updatedAt",
)
# How long to wait for something asynchronous (a webhook landing), polled, never slept.
SETTLE = 10.0


@dataclass
class User:
    """A user of this grading run."""

    username: str
    email: str
    password: str
    token: str


def brief(resp: httpx.Response) -> str:
    """The status and the start of the body, for one-line set-up failure messages."""
    text = resp.text.replace("\n", " ")
    return f"{resp.status_code} {text[:160]!r}"


def setup_ok(resp: httpx.Response, what: str, stage: str) -> dict:
    """The JSON body of a set-up request that must succeed (any 2xx)."""
    expect(
        200 <= resp.status_code < 300,
        f"setup: {what} should succeed (see the {stage} stage), got {brief(resp)}",
    )
    body = expect_json(resp)
    expect(isinstance(body, dict), f"setup: {what} should answer a JSON object")
    return body


def check_error(resp: httpx.Response, status: int, key: str | None = None) -> None:
    """``status`` and a ``{"errors": {...}}`` body (naming ``key`` when given)."""
    expect_status(resp, status)
    errors = expect_field(expect_json(resp), "errors", dict)
    if key is not None:
        messages = expect_field(errors, key, list)
        expect(messages != [], f"expected errors.{key} to hold at least one message, got []")


class Shop:
    """Set-up helpers: users, products, carts, orders and payments."""

    def __init__(self, api, uid: str, server, services) -> None:
        self.api = api
        self.uid = uid
        self.server = server
        self.services = services
        self._serial = itertools.count(1)
        self._admin: User | None = None

    def unique(self, what: str) -> str:
        """A name unique to this run and call, e.g. ``mug_7_k3f9a2``."""
        return f"{what}_{next(self._serial)}_{self.uid}"

    @staticmethod
    def check_error(resp: httpx.Response, status: int, key: str | None = None) -> None:
        """``status`` and a ``{"errors": {...}}`` body (naming ``key`` when given)."""
        check_error(resp, status, key)

    @staticmethod
    def check_order(order: object, what: str = "order") -> dict:
        """Every field of an Order, with integer money."""
        return check_order(order, what)

    def confirm(self, payment: dict, card: str = CARD_OK) -> httpx.Response:
        """Confirm an intent at the provider, as the shopper's browser does."""
        return confirm(self.services, payment, card)

    # -- accounts --------------------------------------------------------------------------

    def register(self, role: str = "shopper") -> User:
        """A new customer with a unique username and e-mail."""
        username = self.unique(role)
        email = f"{username}@example.com"
        password = f"pw-{username}-Secret"
        resp = self.api.post(
            "/api/users",
            json={"user": {"email": email, "username": username, "password": password}},
        )
        body = setup_ok(resp, f"registering {username} with POST /api/users", "accounts")
        token = expect_field(body, "user.token", str)
        return User(username=username, email=email, password=password, token=token)

    def admin(self) -> User:
        """The seeded admin (admin@shop.test, password $ADMIN_PASSWORD), logged in once."""
        if self._admin is None:
            password = self.server.env.get("ADMIN_PASSWORD")
            if not password:
                pytest.skip("not checked with --url: the admin's password is $ADMIN_PASSWORD")
            resp = self.api.post(
                "/api/users/login",
                json={"user": {"email": "admin@shop.test", "password": password}},
            )
            body = setup_ok(
                resp,
                "logging in as the seeded admin (admin@shop.test, password $ADMIN_PASSWORD)",
                "accounts",
            )
            token = expect_field(body, "user.token", str)
            self._admin = User("admin", "admin@shop.test", password, token)
        return self._admin

    # -- catalog ---------------------------------------------------------------------------

    def product(
        self,
        *,
        name: str | None = None,
        price: int = 1999,
        stock: int = 10,
        description: str = "A product made for grading",
    ) -> dict:
        """A new product created by the admin; the ``product`` object of the answer."""
        fields = {
            "name": name or self.unique("Product"),
            "description": description,
            "price": price,
            "currency": "EUR",
            "stock": stock,
        }
        resp = self.api.post("/api/products", json={"product": fields}, token=self.admin().token)
        body = setup_ok(resp, "creating a product with POST /api/products", "catalog")
        return expect_field(body, "product", dict)

    def get_product(self, product_id: str) -> dict:
        resp = self.api.get(f"/api/products/{product_id}")
        body = setup_ok(resp, f"GET /api/products/{product_id}", "catalog")
        return expect_field(body, "product", dict)

    # -- cart and orders -------------------------------------------------------------------

    def put_item(self, user: User, product_id: str, quantity: int) -> dict:
        resp = self.api.put(
            f"/api/cart/items/{product_id}", json={"quantity": quantity}, token=user.token
        )
        body = setup_ok(resp, f"PUT /api/cart/items/{product_id}", "cart")
        return expect_field(body, "cart", dict)

    def checkout(self, user: User, key: str | None = None) -> dict:
        headers = {"Idempotency-Key": key} if key else None
        resp = self.api.post("/api/orders", json={}, token=user.token, headers=headers)
        body = setup_ok(resp, "checking out with POST /api/orders", "checkout")
        return expect_field(body, "order", dict)

    def order_for(self, user: User, *, price: int = 1999, quantity: int = 1, stock: int = 10):
        """A fresh product, ``quantity`` of it in ``user``'s cart, checked out: (order, product)."""
        product = self.product(price=price, stock=stock)
        self.put_item(user, product["id"], quantity)
        return self.checkout(user), product

    def get_order(self, user: User, order_id: str) -> dict:
        resp = self.api.get(f"/api/orders/{order_id}", token=user.token)
        body = setup_ok(resp, f"GET /api/orders/{order_id}", "checkout")
        return expect_field(body, "order", dict)

    def start_payment(self, user: User, order_id: str) -> dict:
        resp = self.api.post(f"/api/orders/{order_id}/payment", token=user.token)
        body = setup_ok(resp, f"POST /api/orders/{order_id}/payment", "payment")
        return expect_field(body, "payment", dict)

    def wait_status(self, user: User, order_id: str, wanted: str, why: str) -> dict:
        """Poll the order until its status is ``wanted``; fail after SETTLE seconds."""
        deadline = time.monotonic() + SETTLE
        while True:
            order = self.get_order(user, order_id)
            if order.get("status") == wanted or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        expect(
            order.get("status") == wanted,
            f"expected order {order_id} to be {wanted!r} within {SETTLE:g} s {why}, "
            f"got {order.get('status')!r}",
        )
        return order

    def paid_order(self, user: User, control, *, price: int = 2500, quantity: int = 2):
        """An order paid with the test card and marked paid by the webhook: (order, product)."""
        order, product = self.order_for(user, price=price, quantity=quantity)
        payment = self.start_payment(user, order["id"])
        confirm(self.services, payment, CARD_OK)
        paid = self.wait_status(
            user, order["id"], "paid", "after the payment succeeded (see the webhooks stage)"
        )
        return paid, product


def confirm(services, payment: dict, card: str) -> httpx.Response:
    """Confirm an intent at the provider as the shopper's browser does (with the client secret)."""
    intent = payment.get("intentId")
    with httpx.Client(base_url=services.payments.url, timeout=30, trust_env=False) as http:
        return http.post(
            f"/v1/payment_intents/{intent}/confirm",
            data={"payment_method": card, "client_secret": str(payment.get("clientSecret"))},
        )


def order_id_of(body: object) -> str | None:
    """The ``order_id`` metadata of a logged provider request body (JSON or form style)."""
    if not isinstance(body, dict):
        return None
    meta = body.get("metadata")
    if isinstance(meta, dict) and "order_id" in meta:
        return str(meta["order_id"])
    value = body.get("metadata[order_id]")
    return None if value is None else str(value)


class Webhooks:
    """Signed (or deliberately mis-signed) webhook posts made by the grader itself."""

    def __init__(self, api, services) -> None:
        self.api = api
        self.secret = services.payments.webhook_secret

    @staticmethod
    def event(intent: dict, type_: str, tag: str, **changes: object) -> dict:
        """A provider event about ``intent`` (with ``changes``) under a fresh id."""
        return event_like(intent, type_, tag, **changes)

    def post(self, event: dict, *, signature: str | None = None, t: int | None = None):
        from learnpath.fakes.payments.signature import sign

        # Indented on purpose: a server that re-serialises the JSON before checking the
        # signature computes another HMAC and refuses a genuine event.
        raw = json.dumps(event, indent=2)
        header = sign(self.secret, raw, t) if signature is None else signature
        headers = {"Content-Type": "application/json"}
        if header:
            headers["Payments-Signature"] = header
        return self.api.post(WEBHOOK_PATH, content=raw, headers=headers)


def event_like(intent: dict, type_: str, tag: str, **changes: object) -> dict:
    """A provider event about ``intent`` (with ``changes`` to it) under a fresh id."""
    return {
        "id": f"evt_grader_{tag}",
        "object": "event",
        "type": type_,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": {**intent, **changes}},
    }


@pytest.fixture(scope="session")
def shop(api, uid, server, services) -> Shop:
    """Set-up helpers bound to this run's client, uid, server and services."""
    return Shop(api, uid, server, services)


@pytest.fixture(scope="session")
def admin(shop) -> User:
    """The seeded admin, logged in."""
    return shop.admin()


@pytest.fixture
def alice(shop) -> User:
    """A fresh customer for one test."""
    return shop.register("alice")


@pytest.fixture
def bob(shop) -> User:
    """A second fresh customer for one test."""
    return shop.register("bob")


@pytest.fixture
def control(services):
    """The fake provider's control handle; events are sent as they happen when a test starts
    and again when it ends, whatever the test did."""
    from learnpath.fakes.payments.control import Control

    handle = Control(services.payments.url, services.payments.control_token)
    handle.set_webhook_url(services.payments.webhook_url)
    handle.auto()
    yield handle
    handle.auto()
    handle.close()


@pytest.fixture
def webhooks(api, services) -> Webhooks:
    return Webhooks(api, services)


def check_order(order: object, what: str = "order") -> dict:
    """Every field of an Order, with integer money."""
    expect(isinstance(order, dict), f"expected {what} to be an object, got {order!r}")
    assert isinstance(order, dict)
    for name in ORDER_FIELDS:
        expect(name in order, f"expected {what}.{name} in the answer, got keys {sorted(order)}")
    expect_field(order, "id", str)
    for name in ("total", "refundedAmount"):
        expect_field(order, name, int)
    expect_equal(order["currency"], "EUR", f"{what}.currency")
    for i, item in enumerate(expect_field(order, "items", list)):
        for name in ("productId", "name", "unitPrice", "quantity", "lineTotal"):
            expect(name in item, f"expected {what}.items[{i}].{name}, got keys {sorted(item)}")
        for name in ("unitPrice", "quantity", "lineTotal"):
            expect_field(item, name, int)
    return order
