"""Stage refunds: refunds are requested at the provider; the order changes on charge.refunded."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


def _refund(api, admin, order_id, amount=None):
    body = {"refund": {} if amount is None else {"amount": amount}}
    return api.post(f"/api/orders/{order_id}/refunds", json=body, token=admin.token)


@pytest.mark.stage("refunds")
def test_partial_then_full_refund_via_webhook(api, shop, admin, control, alice):
    order, _ = shop.paid_order(alice, control, price=2500, quantity=2)  # total 5000
    control.hold()
    resp = _refund(api, admin, order["id"], 1500)
    expect_status(resp, 202)
    refund = expect_field(expect_json(resp), "refund", dict)
    expect_equal(
        (refund.get("amount"), refund.get("status")),
        (1500, "pending"),
        "(refund.amount, refund.status)",
    )
    expect_field(refund, "id")
    sent = control.requests(method="POST", path="/v1/refunds")
    mine = [
        r
        for r in sent
        if isinstance(r.get("body"), dict)
        and r["body"].get("payment_intent") == order["paymentIntentId"]
    ]
    expect(
        mine,
        f"expected a POST /v1/refunds for intent {order['paymentIntentId']}, got none",
    )
    expect(
        all(r.get("idempotency_key") for r in mine),
        "expected an Idempotency-Key on every POST /v1/refunds",
    )
    before = shop.get_order(alice, order["id"])
    expect_equal(
        (before.get("status"), before.get("refundedAmount")),
        ("paid", 0),
        "(status, refundedAmount) before the provider's charge.refunded event arrived",
    )
    # 5000 paid, 1500 already requested: 3501 is too much even before any webhook.
    shop.check_error(_refund(api, admin, order["id"], 3501), 422, "amount")
    control.release()
    control.auto()
    partial = shop.wait_status(
        alice, order["id"], "partially_refunded", "after charge.refunded for 1500"
    )
    expect_equal(partial.get("refundedAmount"), 1500, "order.refundedAmount after refunding 1500")
    resp = _refund(api, admin, order["id"])
    expect_status(resp, 202)
    expect_equal(
        expect_field(expect_json(resp), "refund.amount"),
        3500,
        "refund.amount by default (the rest)",
    )
    done = shop.wait_status(alice, order["id"], "refunded", "after refunding the rest")
    expect_equal(done.get("refundedAmount"), 5000, "order.refundedAmount after a full refund")
    shop.check_error(_refund(api, admin, order["id"], 1), 422, "amount")


@pytest.mark.stage("refunds")
@pytest.mark.parametrize("amount", [0, -100, 10.5, "100"])
def test_bad_refund_amount_is_422(api, shop, admin, control, alice, amount):
    order, _ = shop.paid_order(alice, control)
    resp = _refund(api, admin, order["id"], amount)
    expect(
        resp.status_code == 422, f"expected 422 for a refund of {amount!r}, got {resp.status_code}"
    )
    shop.check_error(resp, 422, "amount")


@pytest.mark.stage("refunds")
def test_refund_rules(api, shop, admin, alice):
    order, _ = shop.order_for(alice)
    shop.check_error(_refund(api, admin, order["id"], 100), 409)
    shop.check_error(_refund(api, alice, order["id"], 100), 403)
    shop.check_error(_refund(api, admin, "999999999", 100), 404)


@pytest.mark.stage("refunds")
def test_duplicate_refund_event_counts_once(api, shop, admin, control, alice):
    order, _ = shop.paid_order(alice, control, price=1000, quantity=1)
    control.hold()
    expect_status(_refund(api, admin, order["id"], 400), 202)
    events = [
        e
        for e in control.events("charge.refunded")
        if e["data"]["object"].get("payment_intent") == order["paymentIntentId"]
    ]
    expect(events, "setup: expected a charge.refunded event at the provider for this order")
    event = events[-1]
    control.deliver(event["id"], twice=True)
    control.deliver(event["id"])
    control.auto()
    after = shop.wait_status(alice, order["id"], "partially_refunded", "after charge.refunded")
    expect_equal(
        after.get("refundedAmount"),
        400,
        "order.refundedAmount after one refund event delivered 3 times",
    )
