"""Stage payment: one PaymentIntent per order, created with the server's own idempotency key."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


def _intents_for(control, order_id):
    return [
        pi for pi in control.payment_intents() if pi.get("metadata", {}).get("order_id") == order_id
    ]


@pytest.mark.stage("payment")
def test_payment_creates_one_intent_for_the_total(api, shop, control, alice):
    order, _ = shop.order_for(alice, price=1234, quantity=3)
    resp = api.post(f"/api/orders/{order['id']}/payment", token=alice.token)
    expect_status(resp, 201)
    payment = expect_field(expect_json(resp), "payment", dict)
    intent_id = expect_field(payment, "intentId", str)
    expect_field(payment, "clientSecret", str)
    expect_equal(payment.get("amount"), 3702, "payment.amount (the order total)")
    expect_equal(payment.get("currency"), "eur", "payment.currency")
    intents = _intents_for(control, str(order["id"]))
    expect_equal(
        [(pi["id"], pi["amount"], pi["currency"]) for pi in intents],
        [(intent_id, 3702, "eur")],
        "the provider's intents with metadata order_id = the order id (id, amount, currency)",
    )
    expect_equal(
        shop.get_order(alice, order["id"]).get("paymentIntentId"),
        intent_id,
        "order.paymentIntentId",
    )


@pytest.mark.stage("payment")
def test_retried_payment_reuses_the_intent_and_the_key(api, shop, control, alice):
    order, _ = shop.order_for(alice)
    first = shop.start_payment(alice, order["id"])
    resp = api.post(f"/api/orders/{order['id']}/payment", token=alice.token)
    expect_status(resp, (200, 201))
    again = expect_field(expect_json(resp), "payment", dict)
    expect_equal(again.get("intentId"), first.get("intentId"), "payment.intentId when asked twice")
    expect_equal(
        len(_intents_for(control, str(order["id"]))), 1, "intents at the provider for one order"
    )
    sent = [
        r
        for r in control.requests(method="POST", path="/v1/payment_intents")
        if isinstance(r.get("body"), dict)
        and str(
            (r["body"].get("metadata") or {}).get("order_id", r["body"].get("metadata[order_id]"))
        )
        == str(order["id"])
    ]
    keys = {r.get("idempotency_key") for r in sent}
    expect(
        sent and None not in keys and len(keys) == 1,
        f"expected every POST /v1/payment_intents for order {order['id']} to carry one and the "
        f"same Idempotency-Key derived from the order, got keys {sorted(map(str, keys))}",
    )


@pytest.mark.stage("payment")
def test_payment_is_for_the_owner_only(api, shop, control, alice, bob):
    order, _ = shop.order_for(alice)
    shop.check_error(api.post(f"/api/orders/{order['id']}/payment", token=bob.token), 404)
    shop.check_error(api.post(f"/api/orders/{order['id']}/payment"), 401)
    shop.check_error(api.post("/api/orders/999999999/payment", token=alice.token), 404)
    expect_equal(_intents_for(control, str(order["id"])), [], "intents made for refused calls")


@pytest.mark.stage("payment")
def test_declined_card_leaves_the_order_payable(api, shop, control, alice):
    order, _ = shop.order_for(alice)
    payment = shop.start_payment(alice, order["id"])
    declined = shop.confirm(payment, "4000000000000002")
    expect_equal(declined.status_code, 402, "the provider's status for the declined test card")
    control.wait_for_event("payment_intent.payment_failed", object_id=payment["intentId"])
    expect_equal(
        shop.get_order(alice, order["id"]).get("status"), "pending", "status after a decline"
    )
    resp = api.post(f"/api/orders/{order['id']}/payment", token=alice.token)
    expect_status(resp, (200, 201))
    again = expect_field(expect_json(resp), "payment", dict)
    expect_equal(again.get("intentId"), payment["intentId"], "payment.intentId after a decline")
    expect_equal(shop.confirm(again).status_code, 200, "the provider's status for the good card")
