"""Stage structured-logs: the server writes one JSON object per line, one access line per
request that joins to the answer by request id, at a level that follows the status, with the
stack trace of a crash in the log."""

import json

import pytest
from conftest import (
    ERROR_LEVELS,
    LEVELS,
    REQUIRED_FIELDS,
    SETTLE,
    access_line,
    at_once,
    brief,
    has_stack,
    near_now,
    of,
    parse_timestamp,
    raw_request,
    show,
    sixteen,
)

from learnpath.grading.checks import expect


@pytest.mark.stage("structured-logs")
def test_every_line_is_a_json_object(api, shop, logs, uid):
    """Every line written while requests run is a JSON object with timestamp, level, message."""
    last = shop.rid("last")
    api.get("/health", headers={"X-Request-ID": shop.rid()})
    api.get(f"/no-such-page-{uid}")
    api.post("/users", content="{oops", headers={"Content-Type": "application/json"})
    api.post("/users", json={"username": "x"})
    api.get("/boom")
    api.get("/health", headers={"X-Request-ID": last})
    lines = logs.wait_for_access(last, settle=SETTLE)
    bad = lines.bad
    expect(
        not bad,
        f"expected every line your server writes to be one JSON object (the grader reads its "
        f"output); {len(bad)} of the lines written during these 6 requests are not, e.g. "
        f"{bad[0][:200]!r}"
        if bad
        else "",
    )
    expect(lines, "expected your server to write lines for these 6 requests, it wrote none")
    for line in lines:
        missing = [name for name in REQUIRED_FIELDS if name not in line.fields]
        expect(
            not missing,
            f"expected every line to have timestamp, level and message; missing "
            f"{', '.join(missing)} in {line.shown()}",
        )
        stamp = parse_timestamp(line.get("timestamp"))
        expect(
            stamp is not None,
            f"expected timestamp to be an ISO 8601 date and time with a time zone, like "
            f"2026-01-31T12:00:00.000Z, got {line.get('timestamp')!r} in {line.shown()}",
        )
        assert stamp is not None
        expect(
            near_now(stamp),
            f"expected timestamp to be now (in UTC, or with the offset of its zone), got "
            f"{line.get('timestamp')!r}: is a local time labelled Z?",
        )
        expect(
            line.level in LEVELS,
            f"expected level to be a name (debug, info, warn, error), got "
            f"{line.get('level')!r} in {line.shown()}",
        )
        message = line.get("message")
        expect(
            isinstance(message, str) and message.strip() != "",
            f"expected message to be a non-empty string, got {message!r} in {line.shown()}",
        )


@pytest.mark.stage("structured-logs")
def test_one_access_line_per_request(api, shop, logs, uid):
    """Each request has one access line: its request_id, method, path, status, duration_ms."""
    sent = [
        ("GET", "/health?probe=1", {"X-Request-ID": shop.rid("ok")}, None),
        ("POST", "/users", {"X-Request-ID": shop.rid("invalid")}, {"username": "x"}),
        ("GET", f"/no-such-page-{uid}", {"X-Request-ID": shop.rid("missing")}, None),
        ("GET", "/orders", {"X-Request-ID": shop.rid("no-token")}, None),
        ("DELETE", "/orders", {}, None),  # the server's own id: joined by the answer's header
    ]
    answers = [
        (method, path, api.request(method, path, headers=headers, json=body))
        for method, path, headers, body in sent
    ]
    own = answers[-1][2].headers.get("x-request-id")
    expect(
        own is not None,
        "expected an X-Request-ID on the answer to DELETE /orders (see stage request-ids): the "
        "grader finds its access line by it",
    )
    ids = [headers.get("X-Request-ID", own) for _, _, headers, _ in sent]
    lines = logs.wait_for_access(*ids)
    for (method, path, resp), rid in zip(answers, ids, strict=True):
        what = f"{method} {path} (answered {resp.status_code}, X-Request-ID {rid})"
        line = access_line(lines, rid, what)
        plain = path.split("?")[0]
        checks = [
            ("method", line.get("method") == method, method),
            (
                "path",
                isinstance(line.get("path"), str) and line.get("path").split("?")[0] == plain,
                plain,
            ),
            ("status", line.get("status") == resp.status_code, resp.status_code),
        ]
        for name, ok, want in checks:
            expect(
                ok,
                f"expected the access line of {what} to have {name} {want!r}, got "
                f"{line.get(name)!r}: {line.shown()}",
            )
        duration = line.get("duration_ms")
        expect(
            isinstance(duration, (int, float)) and not isinstance(duration, bool) and duration >= 0,
            f"expected duration_ms in the access line of {what} to be a number of milliseconds, "
            f"got {duration!r}: {line.shown()}",
        )


@pytest.mark.stage("structured-logs")
def test_the_level_follows_the_status(api, shop, logs, uid):
    """2xx is logged at info, 4xx at info or warn (never error), 5xx at error with the stack."""
    ids = {key: shop.rid(key) for key in ("ok", "404", "422", "401", "crash")}
    answers = {
        "ok": api.get("/health", headers={"X-Request-ID": ids["ok"]}),
        "404": api.get(f"/no-such-page-{uid}", headers={"X-Request-ID": ids["404"]}),
        "422": api.post("/users", json={"username": "x"}, headers={"X-Request-ID": ids["422"]}),
        "401": api.get("/orders", headers={"X-Request-ID": ids["401"]}),
        "crash": api.get("/boom", headers={"X-Request-ID": ids["crash"]}),
    }
    lines = logs.wait_for_access(*ids.values(), settle=SETTLE)

    def what(key: str) -> str:
        resp = answers[key]
        return f"{resp.request.method} {resp.request.url.path} ({resp.status_code})"

    line = access_line(lines, ids["ok"], what("ok"))
    expect(
        line.level == "info",
        f"expected the access line of {what('ok')} at level info, got {line.get('level')!r}",
    )
    for key in ("404", "422", "401"):
        line = access_line(lines, ids[key], what(key))
        expect(
            line.level in ("info", "warn", "warning"),
            f"expected the access line of {what(key)} at level info (or warn): a client's "
            f"mistake needs no one on call; got {line.get('level')!r}: {line.shown()}",
        )
        loud = [ln for ln in of(lines, ids[key]) if ln.level in ERROR_LEVELS]
        expect(
            not loud,
            f"expected no error line for {what(key)}: error means someone must act, and a "
            f"client's mistake is not that; got {show(loud)}",
        )
    crash = answers["crash"]
    expect(
        crash.status_code == 500,
        f"expected GET /boom to answer 500 (see stage errors), got {brief(crash)}",
    )
    line = access_line(lines, ids["crash"], what("crash"))
    expect(
        line.level in ERROR_LEVELS,
        f"expected the access line of {what('crash')} at level error, got "
        f"{line.get('level')!r}: {line.shown()}",
    )
    traced = [ln for ln in of(lines, ids["crash"]) if ln.level in ERROR_LEVELS and has_stack(ln)]
    expect(
        traced,
        f"expected an error line of {what('crash')} (request_id {ids['crash']}) to hold the "
        f"exception's stack trace, e.g. in a stack field; its lines: "
        f"{show(of(lines, ids['crash']))}",
    )


@pytest.mark.stage("structured-logs")
def test_duration_is_the_time_the_request_took(server, shop, logs):
    """duration_ms counts from the request's arrival, before its body is read."""
    rid = shop.rid("slow")
    body = json.dumps({"username": "x", "password": "too short"}).encode()
    head = (
        f"POST /users HTTP/1.1\r\nHost: {server.url.split('//')[1]}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        f"X-Request-ID: {rid}\r\nConnection: close\r\n\r\n"
    )
    pause = 0.5
    status, took = raw_request(server.url, head, [body[:10], body[10:]], pause)
    lines = logs.wait_for_access(rid)
    line = access_line(lines, rid, f"POST /users (answered {status}) sent slowly")
    duration = line.get("duration_ms")
    expect(
        isinstance(duration, (int, float)) and not isinstance(duration, bool),
        f"expected duration_ms to be a number, got {duration!r}: {line.shown()}",
    )
    low, high = pause * 1000 * 0.6, took * 1000 * 1.5 + 100
    expect(
        low <= duration <= high,
        f"the grader sent POST /users with a {pause * 1000:.0f} ms pause inside the body and "
        f"had the answer after {took * 1000:.0f} ms, so duration_ms must be between "
        f"{low:.0f} and {high:.0f} (milliseconds, from the moment the request's headers "
        f"arrived until the answer was sent); got {duration}: {line.shown()}",
    )


@pytest.mark.stage("structured-logs")
def test_concurrent_requests_log_their_own_ids(server, logs, uid, account):
    """Sixteen requests at once: each access line carries its own request's id."""
    requests = sixteen(uid, account, "log")
    at_once(server.url, requests)
    lines = logs.wait_for_access(*(r.headers["X-Request-ID"] for r in requests))
    for sent in requests:
        rid = sent.headers["X-Request-ID"]
        mine = [ln for ln in lines if ln.is_access and ln.get("path") == sent.path]
        expect(
            len(mine) == 1,
            f"with 16 requests at once, expected one access line with path {sent.path}, found "
            f"{len(mine)}: {show(mine) if mine else show(lines)}",
        )
        expect(
            mine[0].request_id == rid,
            f"with 16 requests at once, the access line of {sent.method} {sent.path} carries "
            f"request_id {mine[0].request_id!r}, but that request was sent with X-Request-ID "
            f"{rid}: keep the id per request (contextvars, AsyncLocalStorage, req), not in a "
            f"global variable. Its line: {mine[0].shown()}",
        )
