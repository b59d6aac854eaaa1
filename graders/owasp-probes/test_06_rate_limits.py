"""Stage rate-limits: log-in limited per client address, the export per account, both reset.

Log-ins are sent from addresses of the loopback network (``127.x.y.z``): a server that counts
per email, per X-Forwarded-For or for everyone at once is told apart from one that counts per
address. Timing is judged only against the window the grader gave the server: a burst that
took longer than the window proves nothing and is sent again from a fresh address, and the
reset is awaited for exactly as long as the server's own Retry-After says.
"""

import time
from dataclasses import dataclass, field

import pytest

from learnpath.grading.checks import expect

MARGIN = 0.4  # seconds after Retry-After before trying again
MAX_WAIT = 10  # seconds the grader waits for a reset of a server it did not configure


@dataclass
class Burst:
    """One burst of requests: the answers, how long sending took, and when the last came back."""

    user: object
    client: object
    answers: list = field(default_factory=list)
    seconds: float = 0.0
    done: float = 0.0
    slow: bool = False  # the burst took longer than the window: a missing 429 proves nothing
    tries: int = 1

    @property
    def last(self):
        return self.answers[-1]


def _retry_after(resp, kit, window, what: str) -> int:
    """The 429's Retry-After, checked: whole seconds, at least 1, at most the window."""
    value = resp.headers.get("retry-after", "").strip()
    expect(
        value.isdigit() and int(value) >= 1,
        f"expected a Retry-After header of whole seconds (at least 1) on the 429 for {what}, "
        f"got {value or 'none'!r}",
    )
    if window is not None:
        expect(
            int(value) <= window + 1,
            f"expected the Retry-After on the 429 for {what} to be at most the window "
            f"(RATE_LIMIT_WINDOW_SECONDS={window:g}), got {value}: read the window from the "
            "environment",
        )
    expect(
        kit.has_errors(resp),
        f"expected an errors object in the body of the 429 for {what}, got {kit.brief(resp)}",
    )
    return int(value)


def _too_slow(seconds: float, window) -> bool:
    return window is not None and seconds >= window * 0.75


@pytest.fixture(scope="module")
def login_burst(docs, kit, addresses, targets, window) -> Burst:
    """From a fresh address: 5 failed log-ins (other emails, other X-Forwarded-For), then a
    sixth with a right password. Sent again once from another address if no 429 came."""
    user = docs.register("victim")
    burst = None
    for attempt in (1, 2):
        client = addresses.client()
        burst = Burst(user, client, tries=attempt)
        start = time.monotonic()
        for i in range(kit.LOGIN_LIMIT):
            burst.answers.append(
                client.post(
                    "/api/login",
                    json={"email": docs.email("guess"), "password": "guess-123456"},
                    headers={"X-Forwarded-For": f"203.0.113.{i + 1}"},
                )
            )
        burst.seconds = time.monotonic() - start
        burst.answers.append(
            client.post(
                "/api/login",
                json={"email": user.email, "password": user.password},
                headers={"X-Forwarded-For": "203.0.113.99"},
            )
        )
        burst.done = time.monotonic()
        burst.slow = _too_slow(burst.seconds, window)
        if any(a.status_code == 429 for a in burst.answers):
            break
    return burst


@pytest.fixture(scope="module")
def export_burst(api, docs, window) -> Burst:
    """One account's 4 exports in a row; sent again once with a new account if no 429 came."""
    burst = None
    for attempt in (1, 2):
        user = docs.register("exporter")
        burst = Burst(user, api, tries=attempt)
        start = time.monotonic()
        for _ in range(4):
            burst.answers.append(api.get("/api/documents/export", headers=user.auth))
        burst.seconds = time.monotonic() - start
        burst.done = time.monotonic()
        burst.slow = _too_slow(burst.seconds, window)
        if any(a.status_code == 429 for a in burst.answers):
            break
    return burst


def _skip_if_slow(burst: Burst, window, what: str) -> None:
    if burst.last.status_code != 429 and burst.slow:
        pytest.skip(
            f"{what} took {burst.seconds:.1f} s, longer than the window "
            f"({window:g} s), twice: too slow to tell whether a limit is there"
        )


@pytest.mark.stage("rate-limits")
def test_log_in_is_limited_per_address(kit, login_burst, window):
    """The sixth log-in from one address answers 429 with a Retry-After, whatever the email."""
    burst = login_burst
    for n, resp in enumerate(burst.answers[: kit.LOGIN_LIMIT], start=1):
        expect(
            resp.status_code == 401,
            f"expected failed log-in #{n} from {burst.client.ip} (the limit is "
            f"{kit.LOGIN_LIMIT} per window) to answer 401, got {kit.brief(resp)}",
        )
    _skip_if_slow(burst, window, "sending 5 log-ins")
    expect(
        burst.last.status_code == 429,
        f"expected the sixth log-in from {burst.client.ip} within the window to answer 429, "
        f"got {kit.brief(burst.last)} (the 5 before it were for 5 different emails with 5 "
        "different X-Forwarded-For headers: count per connection address, not per email or "
        "per header)",
    )
    _retry_after(burst.last, kit, window, f"the sixth log-in from {burst.client.ip}")


@pytest.mark.stage("rate-limits")
def test_another_address_still_logs_in(kit, addresses, login_burst):
    """While one address is limited, the same user logs in from another (200)."""
    if login_burst.last.status_code != 429:
        pytest.skip("the first address was never limited (see the check before)")
    client = addresses.client()
    user = login_burst.user
    resp = client.post("/api/login", json={"email": user.email, "password": user.password})
    expect(
        resp.status_code == 200,
        f"expected {user.email} to log in (200) from {client.ip} while {login_burst.client.ip} "
        f"is limited, got {kit.brief(resp)}: limit each address, not everyone",
    )


@pytest.mark.stage("rate-limits")
def test_the_export_is_limited_per_account(api, docs, kit, addresses, export_burst, window):
    """One account's fourth export answers 429, from any address; another account's gets 200."""
    burst = export_burst
    for n, resp in enumerate(burst.answers[: kit.EXPORT_LIMIT], start=1):
        expect(
            resp.status_code == 200,
            f"expected export #{n} of one account to answer 200, got {kit.brief(resp)}",
        )
    _skip_if_slow(burst, window, "sending 4 exports")
    expect(
        burst.last.status_code == 429,
        f"expected the 4th GET /api/documents/export of one account within the window to "
        f"answer 429, got {kit.brief(burst.last)}",
    )
    _retry_after(burst.last, kit, window, "the 4th export")
    elsewhere = addresses.client_or_main()
    resp = elsewhere.get("/api/documents/export", headers=burst.user.auth)
    burst.answers.append(resp)
    burst.done = time.monotonic()
    if elsewhere is not api:
        expect(
            resp.status_code == 429,
            f"expected the same account's export from another address ({elsewhere.ip}) to "
            f"answer 429 too, got {kit.brief(resp)}: limit the export per account, not per "
            "address",
        )
    other = docs.register("other")
    resp = api.get("/api/documents/export", headers=other.auth)
    expect(
        resp.status_code == 200,
        f"expected another account's export to answer 200 while the first is limited, got "
        f"{kit.brief(resp)}: limit each account, not everyone",
    )


def _deadline(burst: Burst) -> float | None:
    """When the last 429 of a burst says the client may try again (monotonic seconds)."""
    waits = [
        int(r.headers.get("retry-after", "0").strip() or 0)
        for r in burst.answers
        if r.status_code == 429 and r.headers.get("retry-after", "").strip().isdigit()
    ]
    return burst.done + max(waits) + MARGIN if waits else None


@pytest.mark.stage("rate-limits")
def test_limits_reset_after_the_window(request, api, kit, addresses, export_burst, window):
    """Once Retry-After has passed, the limited address and account are served again (200)."""
    bursts = [("export", export_burst)]
    if addresses.available():
        bursts.append(("log-in", request.getfixturevalue("login_burst")))
    limited = [(what, b, _deadline(b)) for what, b in bursts if b.last.status_code == 429]
    limited = [(what, b, at) for what, b, at in limited if at is not None]
    if not limited:
        pytest.skip("no limit answered 429 with a Retry-After (see the checks before)")
    deadline = max(at for _, _, at in limited)
    wait = deadline - time.monotonic()
    if window is None and wait > MAX_WAIT:
        pytest.skip(
            f"Retry-After asks for {wait:.0f} s; with --url the grader waits at most "
            f"{MAX_WAIT} s (run your server with RATE_LIMIT_WINDOW_SECONDS=4 to have this checked)"
        )
    time.sleep(max(0.0, wait))
    for what, burst, _ in limited:
        user = burst.user
        if what == "log-in":
            resp = burst.client.post(
                "/api/login", json={"email": user.email, "password": user.password}
            )
            where = f"a log-in from {burst.client.ip}"
        else:
            resp = api.get("/api/documents/export", headers=user.auth)
            where = "the limited account's export"
        expect(
            resp.status_code == 200,
            f"expected {where} to answer 200 once its Retry-After had passed, got "
            f"{kit.brief(resp)}: old requests must leave the window",
        )
