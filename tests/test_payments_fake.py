"""The fake payment provider, as a real subprocess, with a real webhook receiver."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from learnpath.fakes.payments import process
from learnpath.fakes.payments.control import Control, ControlError, parse, sign, verify

pytestmark = pytest.mark.slow

SUCCEED, DECLINE = "4242424242424242", "4000000000000002"
SUCCEED_LATER, FAIL_LATER = "4000000000003220", "4000000000000341"


def wait_until(check, timeout: float = 20.0, what: str = "condition"):
    """Poll ``check`` until it returns something truthy (bounded, never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class Receiver:
    """A webhook endpoint on 127.0.0.1 that records each POST and answers scripted statuses."""

    def __init__(self) -> None:
        self.hits: list[dict] = []
        self.script: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = outer.script.pop(0) if outer.script else 200
                outer.hits.append({"headers": dict(self.headers), "body": body, "status": status})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self) -> list[dict]:
        return [json.loads(hit["body"]) for hit in self.hits]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def fake():
    running = process.start()
    yield running
    running.stop()


@pytest.fixture
def control(fake):
    with fake.control() as ctl:
        ctl.reset()
        yield ctl


@pytest.fixture
def api(fake):
    with httpx.Client(
        base_url=fake.url,
        headers={"Authorization": f"Bearer {fake.api_key}"},
        trust_env=False,
        timeout=30,
    ) as client:
        yield client


@pytest.fixture
def receiver(control):
    rec = Receiver()
    control.set_webhook_url(rec.url)
    yield rec
    rec.close()


def create(api, amount=1999, **extra) -> dict:
    response = api.post("/v1/payment_intents", json={"amount": amount, "currency": "usd", **extra})
    assert response.status_code == 200, response.text
    return response.json()


def test_api_key_is_required_and_the_control_token_is_separate(fake, api, control):
    anonymous = httpx.post(f"{fake.url}/v1/payment_intents", data={"amount": 100})
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["type"] == "invalid_request_error"
    wrong = httpx.post(
        f"{fake.url}/v1/payment_intents", headers={"Authorization": "Bearer sk_test_nope"}
    )
    assert wrong.status_code == 401
    basic = httpx.post(
        f"{fake.url}/v1/payment_intents",
        data={"amount": "100", "currency": "EUR"},
        auth=(fake.api_key, ""),
    )
    assert basic.status_code == 200, basic.text
    assert basic.json()["currency"] == "eur"
    assert api.get("/_control/requests").status_code == 401
    as_control = httpx.post(
        f"{fake.url}/v1/payment_intents",
        headers={"X-Control-Token": fake.control_token},
        data={"amount": "100", "currency": "usd"},
    )
    assert as_control.status_code == 401
    with Control(fake.url, "not-the-token") as stranger, pytest.raises(ControlError, match="401"):
        stranger.events()


def test_create_answers_a_payment_intent(api):
    response = api.post(
        "/v1/payment_intents",
        data={"amount": "2500", "currency": "usd", "metadata[order_id]": "42", "description": "x"},
    )
    assert response.status_code == 200, response.text
    intent = response.json()
    assert intent["id"].startswith("pi_")
    assert intent["object"] == "payment_intent"
    assert intent["client_secret"].startswith(intent["id"] + "_secret_")
    assert (intent["amount"], intent["amount_received"], intent["amount_refunded"]) == (2500, 0, 0)
    assert intent["status"] == "requires_payment_method"
    assert intent["metadata"] == {"order_id": "42"}
    assert intent["latest_charge"] is None
    again = api.get(f"/v1/payment_intents/{intent['id']}").json()
    assert again == intent
    assert api.get("/v1/payment_intents/pi_missing").status_code == 404


@pytest.mark.parametrize("amount", [19.99, "1999", "abc", 0, -5, True, None])
def test_amount_must_be_a_positive_integer_of_minor_units(api, amount):
    response = api.post("/v1/payment_intents", json={"amount": amount, "currency": "usd"})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == "amount"


def test_bad_currency_and_unknown_parameters_are_refused(api):
    assert api.post("/v1/payment_intents", json={"amount": 5, "currency": "dollars"}).is_error
    typo = api.post("/v1/payment_intents", json={"ammount": 5, "currency": "usd"})
    assert typo.status_code == 400
    assert "ammount" in typo.json()["error"]["message"]


def test_the_shopper_confirms_with_the_client_secret(fake, api):
    intent = create(api)
    url = f"{fake.url}/v1/payment_intents/{intent['id']}/confirm"
    refused = httpx.post(url, data={"payment_method": SUCCEED, "client_secret": "pi_x_secret_y"})
    assert refused.status_code == 401
    paid = httpx.post(
        url, data={"payment_method": SUCCEED, "client_secret": intent["client_secret"]}
    )
    assert paid.status_code == 200, paid.text
    body = paid.json()
    assert body["status"] == "succeeded"
    assert body["amount_received"] == 1999
    assert body["latest_charge"].startswith("ch_")
    seen = httpx.get(
        f"{fake.url}/v1/payment_intents/{intent['id']}",
        params={"client_secret": intent["client_secret"]},
    )
    assert seen.json()["status"] == "succeeded"
    again = api.post(
        f"/v1/payment_intents/{intent['id']}/confirm", data={"payment_method": SUCCEED}
    )
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "payment_intent_unexpected_state"


def test_a_declined_card_can_be_followed_by_another(api):
    intent = create(api)
    declined = api.post(
        f"/v1/payment_intents/{intent['id']}/confirm", data={"payment_method": DECLINE}
    )
    assert declined.status_code == 402
    error = declined.json()["error"]
    assert (error["type"], error["code"]) == ("card_error", "card_declined")
    now = api.get(f"/v1/payment_intents/{intent['id']}").json()
    assert now["status"] == "requires_payment_method"
    assert now["last_payment_error"]["code"] == "card_declined"
    paid = api.post(f"/v1/payment_intents/{intent['id']}/confirm", data={"payment_method": SUCCEED})
    assert paid.json()["status"] == "succeeded"
    assert paid.json()["last_payment_error"] is None


def test_unknown_cards_are_refused_without_changing_the_intent(api):
    intent = create(api)
    response = api.post(
        f"/v1/payment_intents/{intent['id']}/confirm", data={"payment_method": "4111111111111111"}
    )
    assert response.status_code == 400
    assert SUCCEED in response.json()["error"]["message"]
    assert api.get(f"/v1/payment_intents/{intent['id']}").json()["status"] == (
        "requires_payment_method"
    )


def test_a_card_that_fails_later(api, control):
    control.set_processing_delay(0.2)
    intent = create(api)
    first = api.post(
        f"/v1/payment_intents/{intent['id']}/confirm", data={"payment_method": FAIL_LATER}
    )
    assert first.json()["status"] == "processing"
    event = control.wait_for_event("payment_intent.payment_failed", object_id=intent["id"])
    assert event["data"]["object"]["status"] == "requires_payment_method"
    assert api.get(f"/v1/payment_intents/{intent['id']}").json()["amount_received"] == 0


def test_a_card_that_succeeds_later_stays_processing_until_settled(api, control):
    control.set_processing_delay(None)
    intent = create(api)
    confirmed = api.post(
        f"/v1/payment_intents/{intent['id']}/confirm", data={"payment_method": SUCCEED_LATER}
    )
    assert confirmed.json()["status"] == "processing"
    cancel = api.post(f"/v1/payment_intents/{intent['id']}/cancel")
    assert cancel.status_code == 400
    assert control.events("payment_intent.succeeded") == []
    assert control.settle(intent["id"])["status"] == "succeeded"
    assert api.get(f"/v1/payment_intents/{intent['id']}").json()["amount_received"] == 1999


def test_cancel_only_before_success(api):
    open_intent = create(api)
    canceled = api.post(f"/v1/payment_intents/{open_intent['id']}/cancel")
    assert canceled.json()["status"] == "canceled"
    paid = create(api)
    api.post(f"/v1/payment_intents/{paid['id']}/confirm", data={"payment_method": SUCCEED})
    assert api.post(f"/v1/payment_intents/{paid['id']}/cancel").status_code == 400


def test_idempotency_key_replays_and_detects_conflicts(api, control):
    headers = {"Idempotency-Key": "order-7"}
    body = {"amount": 1000, "currency": "usd", "metadata": {"order": "7"}}
    first = api.post("/v1/payment_intents", json=body, headers=headers)
    second = api.post("/v1/payment_intents", json=body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    conflict = api.post("/v1/payment_intents", json={**body, "amount": 1001}, headers=headers)
    assert conflict.status_code == 400
    assert conflict.json()["error"]["type"] == "idempotency_error"
    assert len(control.payment_intents()) == 1
    # a validation error is not remembered: the same key works once the request is fixed
    fixed_key = {"Idempotency-Key": "order-8"}
    assert api.post("/v1/payment_intents", json={"amount": 1.5}, headers=fixed_key).is_error
    ok = api.post("/v1/payment_intents", json=body, headers=fixed_key)
    assert ok.status_code == 200


def test_concurrent_requests_with_one_key_create_one_intent(fake, control):
    def post(_):
        return httpx.post(
            f"{fake.url}/v1/payment_intents",
            headers={"Authorization": f"Bearer {fake.api_key}", "Idempotency-Key": "same"},
            json={"amount": 4200, "currency": "usd"},
            timeout=30,
        )

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(post, range(20)))
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(control.payment_intents()) == 1


def test_refunds_full_partial_and_never_more_than_received(api, control):
    unpaid = create(api, amount=2000)
    refused = api.post("/v1/refunds", data={"payment_intent": unpaid["id"]})
    assert refused.status_code == 400
    paid = create(api, amount=2000)
    api.post(f"/v1/payment_intents/{paid['id']}/confirm", data={"payment_method": SUCCEED})
    key = {"Idempotency-Key": "refund-1"}
    part = api.post(
        "/v1/refunds", data={"payment_intent": paid["id"], "amount": "500"}, headers=key
    )
    assert part.status_code == 200, part.text
    refund = part.json()
    assert refund["id"].startswith("re_")
    assert (refund["status"], refund["amount"]) == ("succeeded", 500)
    replay = api.post(
        "/v1/refunds", data={"payment_intent": paid["id"], "amount": "500"}, headers=key
    )
    assert replay.json()["id"] == refund["id"]
    too_much = api.post("/v1/refunds", data={"payment_intent": paid["id"], "amount": "1501"})
    assert too_much.status_code == 400
    rest = api.post("/v1/refunds", data={"payment_intent": paid["id"]})
    assert rest.json()["amount"] == 1500
    assert api.get(f"/v1/payment_intents/{paid['id']}").json()["amount_refunded"] == 2000
    assert api.post("/v1/refunds", data={"payment_intent": paid["id"], "amount": 1}).is_error
    charge = control.events("charge.refunded")[-1]["data"]["object"]
    assert (charge["amount_refunded"], charge["refunded"]) == (2000, True)
    assert len(control.events("refund.created")) == 2


def test_webhooks_are_signed_with_the_secret(fake, api, control, receiver):
    intent = create(api)
    api.post(f"/v1/payment_intents/{intent['id']}/confirm", data={"payment_method": SUCCEED})
    wait_until(lambda: len(receiver.hits) >= 2, what="two webhooks")
    types = {event["type"] for event in receiver.events()}
    assert types == {"payment_intent.created", "payment_intent.succeeded"}
    for hit in receiver.hits:
        header = hit["headers"]["Payments-Signature"]
        assert verify(fake.webhook_secret, hit["body"], header)
        assert not verify("whsec_other", hit["body"], header)
        assert not verify(fake.webhook_secret, hit["body"] + b" ", header)
    succeeded = next(e for e in receiver.events() if e["type"] == "payment_intent.succeeded")
    assert succeeded["id"].startswith("evt_")
    assert succeeded["object"] == "event"
    assert succeeded["data"]["object"]["status"] == "succeeded"


def test_sign_matches_the_documented_scheme():
    import hashlib
    import hmac

    header = sign("whsec_x", b'{"a":1}', 1700000000)
    digest = hmac.new(b"whsec_x", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={digest}"
    assert parse(header) == (1700000000, [digest])
    assert verify("whsec_x", b'{"a":1}', header, now=1700000000 + 299)
    assert not verify("whsec_x", b'{"a":1}', header, now=1700000000 + 301)


def test_held_events_are_released_in_the_order_asked(api, control, receiver):
    control.hold()
    intent = create(api)
    api.post(f"/v1/payment_intents/{intent['id']}/confirm", data={"payment_method": SUCCEED})
    held = control.held()
    assert len(held) == 2
    assert receiver.hits == []
    attempts = control.release(order=list(reversed(held)))
    assert [a["status"] for a in attempts] == [200, 200]
    assert [e["id"] for e in receiver.events()] == list(reversed(held))
    assert receiver.events()[0]["type"] == "payment_intent.succeeded"
    assert control.held() == []


def test_an_event_delivered_twice_late_or_with_faults(fake, api, control, receiver):
    control.hold()
    intent = create(api)
    event_id = control.held()[0]
    control.deliver(event_id, twice=True, delay=0.1)
    assert [e["id"] for e in receiver.events()] == [event_id, event_id]
    control.deliver(event_id, stale=True)
    stale = receiver.hits[-1]
    stamp, _ = parse(stale["headers"]["Payments-Signature"])
    assert stamp is not None
    assert time.time() - stamp >= 500
    assert not verify(fake.webhook_secret, stale["body"], stale["headers"]["Payments-Signature"])
    assert verify(
        fake.webhook_secret, stale["body"], stale["headers"]["Payments-Signature"], tolerance=10**6
    )
    control.deliver(event_id, bad_signature=True)
    bad = receiver.hits[-1]
    assert not verify(
        fake.webhook_secret, bad["body"], bad["headers"]["Payments-Signature"], tolerance=10**6
    )
    control.deliver(event_id, timestamp=1234567890)
    assert parse(receiver.hits[-1]["headers"]["Payments-Signature"])[0] == 1234567890
    control.deliver(event_id, signature="")
    assert "Payments-Signature" not in receiver.hits[-1]["headers"]
    assert json.loads(receiver.hits[-1]["body"])["data"]["object"]["id"] == intent["id"]


def test_failed_deliveries_are_retried_with_backoff_until_2xx(api, control, receiver):
    control.set_retry_policy(base=0.05, max_attempts=5)
    receiver.script = [500, 500, 200]
    intent = create(api)
    event = control.wait_for_event("payment_intent.created", object_id=intent["id"])
    attempts = control.wait_for_deliveries(event["id"], count=3)
    wait_until(lambda: len(receiver.hits) >= 3, what="three attempts")
    assert [a["status"] for a in attempts] == [500, 500, 200]
    assert [a["attempt"] for a in attempts] == [1, 2, 3]
    assert [a["ok"] for a in attempts] == [False, False, True]
    assert attempts[1]["time"] > attempts[0]["time"]
    assert all(a["signature"].startswith("t=") for a in attempts)
    assert len(receiver.hits) == 3


def test_retries_stop_after_max_attempts(api, control, receiver):
    control.set_retry_policy(base=0.01, max_attempts=3)
    control.hold()
    create(api)
    receiver.script = [503] * 10
    attempts = control.deliver(control.held()[0], retry=True)
    assert [(a["attempt"], a["status"]) for a in attempts] == [(1, 503), (2, 503), (3, 503)]
    assert len(receiver.hits) == 3
    assert control.deliver(control.events()[0]["id"])[0]["attempt"] == 1


def test_the_request_log_shows_what_the_learner_called(fake, api, control):
    api.post(
        "/v1/payment_intents",
        data={"amount": "700", "currency": "usd"},
        headers={"Idempotency-Key": "cart-1"},
    )
    httpx.post(f"{fake.url}/v1/payment_intents", headers={"Authorization": "Bearer wrong"})
    api.get("/v1/paymentintents")
    log = control.requests()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("POST", "/v1/payment_intents", 200),
        ("POST", "/v1/payment_intents", 401),
        ("GET", "/v1/paymentintents", 404),
    ]
    first = log[0]
    assert first["auth_ok"] is True
    assert first["idempotency_key"] == "cart-1"
    assert first["body"] == {"amount": "700", "currency": "usd"}
    assert log[1]["auth"] == "invalid"
    assert control.idempotency_keys() == ["cart-1", None]


def test_webhook_urls_must_be_on_this_machine(control):
    with pytest.raises(ControlError, match=r"127\.0\.0\.1"):
        control.set_webhook_url("http://example.com/hook")


def test_sigterm_stops_the_fake_cleanly_even_with_deliveries_pending():
    running = process.start()
    try:
        with running.control() as ctl:
            ctl.set_webhook_url("http://127.0.0.1:9/unreachable")
            ctl.set_retry_policy(base=30, max_attempts=10)
            httpx.post(
                f"{running.url}/v1/payment_intents",
                auth=(running.api_key, ""),
                data={"amount": "100", "currency": "usd"},
            )
            ctl.wait_for_deliveries(count=1)
    finally:
        code = running.stop(timeout=20)
    assert code == 0


def test_latency_is_a_setting_that_delays_but_never_changes_answers(api, control):
    assert control.set_latency(0.2)["latency"] == 0.2
    assert create(api, amount=500)["amount"] == 500
    assert control.set_latency(0)["latency"] == 0
    with pytest.raises(ControlError):
        control.set_latency(-1)
    control.set_latency(0.3)
    control.reset()  # a reset forgets it
    assert control.config()["latency"] == 0
