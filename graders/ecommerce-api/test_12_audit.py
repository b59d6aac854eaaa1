"""Extension stage audit: each order's history of state changes, oldest first."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


def _history(api, user, order_id):
    resp = api.get(f"/api/orders/{order_id}/history", token=user.token)
    expect_status(resp, 200)
    return expect_field(expect_json(resp), "history", list)


@pytest.mark.stage("audit")
def test_history_records_every_change(api, shop, admin, control, alice, bob):
    order, _ = shop.paid_order(alice, control)
    expect(
        200 <= api.post(f"/api/orders/{order['id']}/fulfil", token=admin.token).status_code < 300,
        "setup: fulfil should succeed",
    )
    history = _history(api, alice, order["id"])
    expect_equal(
        [(h.get("from"), h.get("to")) for h in history],
        [(None, "pending"), ("pending", "paid"), ("paid", "fulfilled")],
        "the (from, to) pairs of the history of an order created, paid, fulfilled",
    )
    stamps = [h.get("at") for h in history]
    expect(
        all(isinstance(s, str) and "T" in s for s in stamps),
        f"expected ISO 8601 'at' values, got {stamps}",
    )
    expect_equal(len(_history(api, admin, order["id"])), 3, "history entries the admin sees")
    shop.check_error(api.get(f"/api/orders/{order['id']}/history", token=bob.token), 404)


@pytest.mark.stage("audit")
def test_refused_moves_leave_no_trace(api, shop, alice):
    order, _ = shop.order_for(alice)
    resp = api.post(f"/api/orders/{order['id']}/cancel", token=alice.token)
    expect(200 <= resp.status_code < 300, f"setup: cancel should succeed, got {resp.status_code}")
    api.post(f"/api/orders/{order['id']}/cancel", token=alice.token)
    expect_equal(
        [(h.get("from"), h.get("to")) for h in _history(api, alice, order["id"])],
        [(None, "pending"), ("pending", "cancelled")],
        "the history after a cancel and a refused second cancel",
    )
