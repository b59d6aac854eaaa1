"""Stage webhooks: signed events from the provider are the only way an order becomes paid."""

import time

import pytest

from learnpath.grading.checks import expect, expect_equal


def _held_payment(shop, control, user, card="4242424242424242"):
    """An order paid at the provider while its events are held: (order, intent id)."""
    order, _ = shop.order_for(user, price=2100, quantity=1)
    payment = shop.start_payment(user, order["id"])
    control.hold()
    resp = shop.confirm(payment, card)
    expect(
        resp.status_code == 200,
        f"setup: confirming the intent should answer 200, got {resp.status_code}",
    )
    return order, payment["intentId"]


def _event(control, type_, intent_id):
    return control.wait_for_event(type_, object_id=intent_id)


def _statuses(attempts):
    return [a.get("status") for a in attempts]


def _intent(control, intent_id):
    return next(pi for pi in control.payment_intents() if pi["id"] == intent_id)


@pytest.mark.stage("webhooks")
def test_paid_only_when_the_event_arrives(shop, control, alice):
    order, intent = _held_payment(shop, control, alice)
    event = _event(control, "payment_intent.succeeded", intent)
    expect_equal(
        shop.get_order(alice, order["id"]).get("status"),
        "pending",
        "order.status after the shopper confirmed but before the provider's webhook arrived",
    )
    attempts = control.deliver(event["id"])
    expect(
        all(200 <= (s or 0) < 300 for s in _statuses(attempts)),
        f"expected 2xx for a genuine payment_intent.succeeded, got {_statuses(attempts)}",
    )
    shop.wait_status(alice, order["id"], "paid", "after payment_intent.succeeded was delivered")


@pytest.mark.stage("webhooks")
@pytest.mark.parametrize(
    ("how", "options"),
    [
        ("signed with another secret", {"bad_signature": True}),
        ("without a signature header", {"signature": ""}),
        ("with a garbage signature header", {"signature": "t=1,v1=00"}),
        ("stamped 10 minutes ago", {"stale": True}),
        ("stamped 10 minutes ahead", {"timestamp": "future"}),
    ],
)
def test_unverified_events_are_400_and_change_nothing(shop, control, alice, how, options):
    order, intent = _held_payment(shop, control, alice)
    event = _event(control, "payment_intent.succeeded", intent)
    if options.get("timestamp") == "future":
        options = {"timestamp": int(time.time()) + 600}
    attempts = control.deliver(event["id"], **options)
    expect_equal(_statuses(attempts), [400], f"status for a webhook {how}")
    expect_equal(
        shop.get_order(alice, order["id"]).get("status"),
        "pending",
        f"order.status after a webhook {how}",
    )
    expect(
        all(200 <= (s or 0) < 300 for s in _statuses(control.deliver(event["id"]))),
        "expected 2xx for the same event properly signed afterwards",
    )
    shop.wait_status(alice, order["id"], "paid", "after the genuine event")


@pytest.mark.stage("webhooks")
def test_signature_is_checked_over_the_raw_body(shop, control, webhooks, alice):
    """The grader signs an indented body: re-serialised JSON would not match its HMAC."""
    order, intent = _held_payment(shop, control, alice)
    resp = webhooks.post(
        webhooks.event(_intent(control, intent), "payment_intent.succeeded", intent)
    )
    expect(
        200 <= resp.status_code < 300,
        f"expected 2xx for a correctly signed event, got {resp.status_code}",
    )
    shop.wait_status(alice, order["id"], "paid", "after a signed payment_intent.succeeded")


@pytest.mark.stage("webhooks")
def test_duplicate_event_changes_nothing(shop, control, alice):
    order, intent = _held_payment(shop, control, alice)
    event = _event(control, "payment_intent.succeeded", intent)
    attempts = control.deliver(event["id"], twice=True)
    expect(
        len(attempts) == 2 and all(200 <= (s or 0) < 300 for s in _statuses(attempts)),
        f"expected 2xx for both deliveries of one event, got {_statuses(attempts)}",
    )
    paid = shop.wait_status(alice, order["id"], "paid", "after the event arrived twice")
    later = control.deliver(event["id"])
    expect(
        all(200 <= (s or 0) < 300 for s in _statuses(later)),
        f"expected 2xx for a replayed event, got {_statuses(later)}",
    )
    again = shop.get_order(alice, order["id"])
    expect_equal(
        (again.get("status"), again.get("updatedAt")),
        (paid["status"], paid["updatedAt"]),
        "(status, updatedAt) after an already processed event came again",
    )


@pytest.mark.stage("webhooks")
def test_out_of_order_events_never_move_backwards(shop, control, webhooks, alice):
    delay = control.config().get("processing_delay")
    control.set_processing_delay(None)
    try:
        order, intent = _held_payment(shop, control, alice, card="4000000000003220")
        control.settle(intent)
        _event(control, "payment_intent.succeeded", intent)
    finally:
        control.set_processing_delay(delay)
    held = set(control.held())
    mine = [
        e["id"]
        for e in control.events()
        if e["id"] in held and e["data"]["object"].get("id") == intent
    ]
    attempts = control.release(order=list(reversed(mine)))
    expect(
        all(200 <= (s or 0) < 300 for s in _statuses(attempts)),
        f"expected 2xx for every event delivered newest first, got {_statuses(attempts)}",
    )
    shop.wait_status(
        alice, order["id"], "paid", "after succeeded, processing, created (newest first)"
    )
    pi = _intent(control, intent)
    resp = webhooks.post(
        webhooks.event(
            pi, "payment_intent.payment_failed", f"late_{intent}", status="requires_payment_method"
        )
    )
    expect(
        200 <= resp.status_code < 300,
        f"expected 2xx for a late payment_failed, got {resp.status_code}",
    )
    expect_equal(
        shop.get_order(alice, order["id"]).get("status"),
        "paid",
        "order.status after a late payment_failed",
    )


@pytest.mark.stage("webhooks")
def test_amount_mismatch_and_unknown_intent_are_ignored(shop, control, webhooks, alice):
    order, intent = _held_payment(shop, control, alice)
    pi = _intent(control, intent)
    short = webhooks.event(
        pi, "payment_intent.succeeded", f"short_{intent}", amount_received=pi["amount"] - 1
    )
    resp = webhooks.post(short)
    expect(
        200 <= resp.status_code < 300, f"expected 2xx for a signed event, got {resp.status_code}"
    )
    expect_equal(
        shop.get_order(alice, order["id"]).get("status"),
        "pending",
        "order.status after a payment_intent.succeeded with amount_received below the total",
    )
    unknown = webhooks.event(
        {**pi, "id": f"pi_unknown_{shop.uid}", "metadata": {}},
        "payment_intent.succeeded",
        f"unknown_{intent}",
    )
    resp = webhooks.post(unknown)
    expect(
        200 <= resp.status_code < 300,
        f"expected 2xx for an event about an unknown intent, got {resp.status_code}",
    )


@pytest.mark.stage("webhooks")
def test_failed_payment_keeps_the_order_pending(shop, control, alice):
    order, _ = shop.order_for(alice)
    payment = shop.start_payment(alice, order["id"])
    shop.confirm(payment, "4000000000000002")
    event = _event(control, "payment_intent.payment_failed", payment["intentId"])
    control.wait_for_deliveries(event["id"])
    expect_equal(
        shop.get_order(alice, order["id"]).get("status"),
        "pending",
        "order.status after payment_failed",
    )


@pytest.mark.stage("webhooks")
def test_provider_retries_reach_the_server(shop, control, alice):
    """A delivery the server refused (here: a bad signature) is retried by the provider and the
    retry, properly signed, is processed."""
    order, intent = _held_payment(shop, control, alice)
    event = _event(control, "payment_intent.succeeded", intent)
    expect_equal(
        _statuses(control.deliver(event["id"], bad_signature=True)),
        [400],
        "status for a bad signature",
    )
    control.set_retry_policy(base=0.1, max_attempts=3)
    control.deliver(event["id"], retry=True)
    shop.wait_status(alice, order["id"], "paid", "after the provider's retry")
    tries = control.deliveries(event["id"])
    expect(
        any(200 <= (d.get("status") or 0) < 300 for d in tries),
        f"expected a 2xx among the provider's attempts, got {[d.get('status') for d in tries]}",
    )
