"""Stage levels: LOG_LEVEL decides what is written. Unset, the server logs at info; debug adds
debug lines; ERROR leaves only errors. The grader restarts the server with each value."""

import pytest
from conftest import ERROR_LEVELS, SETTLE, access_line, of, show

from learnpath.grading.checks import expect


@pytest.mark.stage("levels")
def test_without_log_level_there_are_no_debug_lines(api, shop, logs):
    """With LOG_LEVEL unset, requests write their info access lines and no debug line."""
    ids = [shop.rid("default"), shop.rid("default")]
    api.get("/health", headers={"X-Request-ID": ids[0]})
    api.post("/users", json={"username": "x"}, headers={"X-Request-ID": ids[1]})
    lines = logs.wait_for_access(*ids, settle=SETTLE)
    for rid, what in zip(ids, ("GET /health", "POST /users"), strict=True):
        line = access_line(lines, rid, what)
        expect(
            line.level == "info",
            f"expected the access line of {what} at info, got {line.get('level')!r}",
        )
    chatty = [ln for ln in lines if ln.level == "debug"]
    expect(
        not chatty,
        f"expected no debug lines with LOG_LEVEL unset (the default level is info), got "
        f"{show(chatty)}",
    )


@pytest.mark.stage("levels")
@pytest.mark.log_level("debug")
def test_log_level_debug_adds_debug_lines(api, shop, logs):
    """With LOG_LEVEL=debug, every request also writes at least one debug line with its id."""
    ids = [shop.rid("debug"), shop.rid("debug")]
    api.get("/health", headers={"X-Request-ID": ids[0]})
    api.post("/users", json={"username": "x"}, headers={"X-Request-ID": ids[1]})
    lines = logs.wait_for_access(*ids, settle=SETTLE)
    for rid, what in zip(ids, ("GET /health", "POST /users"), strict=True):
        access_line(lines, rid, f"{what} with LOG_LEVEL=debug")
        debug = [ln for ln in of(lines, rid) if ln.level == "debug"]
        expect(
            debug,
            f"expected a debug line (level debug, request_id {rid}) for {what} when your "
            f"server runs with LOG_LEVEL=debug, e.g. the request's headers; its lines: "
            f"{show(of(lines, rid))}",
        )


@pytest.mark.stage("levels")
@pytest.mark.log_level("ERROR")
def test_log_level_error_keeps_only_errors(api, shop, logs, uid):
    """With LOG_LEVEL=ERROR, a 200, a 404 and a 400 write nothing; a 500 writes its errors."""
    quiet = {
        shop.rid("quiet"): "GET /health",
        shop.rid("quiet"): f"GET /no-such-page-{uid}",
        shop.rid("quiet"): "POST /users with a body that is not JSON",
    }
    ok, missing, broken = quiet
    api.get("/health", headers={"X-Request-ID": ok})
    api.get(f"/no-such-page-{uid}", headers={"X-Request-ID": missing})
    api.post(
        "/users",
        content="{oops",
        headers={"Content-Type": "application/json", "X-Request-ID": broken},
    )
    crash = shop.rid("crash")
    api.get("/boom", headers={"X-Request-ID": crash})
    lines = logs.wait_for_access(crash, settle=SETTLE)
    line = access_line(lines, crash, "GET /boom with LOG_LEVEL=ERROR")
    expect(
        line.level in ERROR_LEVELS,
        f"expected the access line of GET /boom at error, got {line.get('level')!r}",
    )
    for rid, what in quiet.items():
        written = of(lines, rid)
        expect(
            not written,
            f"expected no lines for {what} with LOG_LEVEL=ERROR (info and warn lines are "
            f"left out), got {show(written)}",
        )
    below = [ln for ln in lines if ln.level not in ERROR_LEVELS]
    expect(
        not below,
        f"expected only error lines with LOG_LEVEL=ERROR (the value may come in any case), "
        f"got {show(below)}",
    )
