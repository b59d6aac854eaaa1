"""Extension stage sales-report: revenue per UTC day, checked against the grader's own sums."""

from datetime import UTC, datetime, timedelta

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status

REPORT = "/api/admin/reports/sales"


def _days(api, admin, start, end):
    resp = api.get(REPORT, params={"from": start, "to": end}, token=admin.token)
    expect_status(resp, 200)
    days = expect_field(expect_json(resp), "days", list)
    dates = [d.get("date") for d in days]
    expect(dates == sorted(dates), f"expected days in date order, got {dates}")
    for day in days:
        for name in ("orders", "revenue"):
            expect_field(day, name, int)
    return days


def _window():
    today = datetime.now(UTC).date()
    return str(today - timedelta(days=1)), str(today + timedelta(days=1))


def _totals(days):
    return sum(d["orders"] for d in days), sum(d["revenue"] for d in days)


@pytest.mark.stage("sales-report")
def test_report_counts_paid_orders_net_of_refunds(api, shop, admin, control, alice):
    start, end = _window()
    before = _totals(_days(api, admin, start, end))
    full, _ = shop.paid_order(alice, control, price=1100, quantity=1)
    partial, _ = shop.paid_order(alice, control, price=700, quantity=3)
    refunded, _ = shop.paid_order(alice, control, price=900, quantity=1)
    shop.order_for(alice, price=5000)  # pending: not counted
    cancelled, _ = shop.order_for(alice, price=6000)
    api.post(f"/api/orders/{cancelled['id']}/cancel", token=alice.token)
    for order, amount in ((partial, 500), (refunded, 900)):
        resp = api.post(
            f"/api/orders/{order['id']}/refunds",
            json={"refund": {"amount": amount}},
            token=admin.token,
        )
        expect(
            200 <= resp.status_code < 300,
            f"setup: a refund should be accepted, got {resp.status_code}",
        )
    shop.wait_status(alice, partial["id"], "partially_refunded", "after a partial refund")
    shop.wait_status(alice, refunded["id"], "refunded", "after a full refund")
    mine = [shop.get_order(alice, o["id"]) for o in (full, partial, refunded)]
    expected = (3, sum(o["total"] - o["refundedAmount"] for o in mine))
    after_days = _days(api, admin, start, end)
    after = _totals(after_days)
    expect_equal(
        (after[0] - before[0], after[1] - before[1]),
        expected,
        "the change in (orders, revenue) of the report after 3 paid orders (one partly, one fully "
        "refunded), one pending and one cancelled",
    )
    # The orders were made today (UTC): the increase belongs to today's row. The grading
    # database's session time zone is one whose date is not the UTC date, so a report that
    # takes the day from the session (created_at::date) books them on another day.
    today = str(datetime.now(UTC).date())
    if (start, end) != _window():
        pytest.skip("the UTC date changed during the check: the day of the orders is ambiguous")
    on_today = next(((d["orders"], d["revenue"]) for d in after_days if d["date"] == today), (0, 0))
    only_today = _totals(_days(api, admin, today, today))  # "to" is inclusive
    expect(
        only_today[0] >= expected[0],
        f"expected from={today}&to={today} (both inclusive) to count today's {expected[0]} "
        f"orders, got (orders, revenue) {only_today}",
    )
    expect(
        on_today[0] >= expected[0] and on_today[1] >= expected[1],
        f"expected the {expected[0]} orders made today to be counted on {today} (UTC days), got "
        f"days {[(d['date'], d['orders'], d['revenue']) for d in after_days]}",
    )


@pytest.mark.stage("sales-report")
def test_report_empty_range_and_admin_only(api, shop, admin, alice):
    expect_equal(
        _days(api, admin, "2001-01-01", "2001-01-31"), [], "days of a range with no orders"
    )
    shop.check_error(
        api.get(REPORT, params={"from": "2001-01-01", "to": "2001-01-31"}, token=alice.token), 403
    )
    shop.check_error(api.get(REPORT, params={"from": "2001-01-01", "to": "2001-01-31"}), 401)
