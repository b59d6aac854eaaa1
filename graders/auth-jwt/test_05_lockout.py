"""Stage lockout: failed logins are limited per email and per address, without enumeration.

Logins are sent from addresses of the loopback network (``127.x.y.z``) so that the limits per
email and per address can be told apart: a server that counts per address only lets a sixth
address in, one that counts per email only never locks an address. Timing is only ever
compared with the same server's own answers, in interleaved rounds, never with a fixed budget.
"""

import json
import statistics
from dataclasses import dataclass, field

import pytest

from learnpath.grading.checks import expect

ROUNDS = 6  # pairs (unknown email, wrong password) per timing round
LOW, HIGH = 0.4, 2.5  # the extra time of an unknown email, relative to a wrong password
MEASURABLE = 0.003  # seconds: a smaller difference is too small to tell apart


def _login(client, email: str, password: str, headers: dict | None = None):
    return client.post("/api/login", json={"email": email, "password": password}, headers=headers)


def _failed(resp, kit, what: str) -> None:
    expect(
        resp.status_code == 401,
        f"expected status 401 for {what}, got {kit.brief(resp)}",
    )


def _locked(resp, kit, what: str) -> None:
    """A 429 with a Retry-After of 1 to 900 seconds and an errors object."""
    hint = ""
    if resp.status_code == 200:
        hint = " (it logged in: check the lock before the password, and refuse even a right one)"
    expect(
        resp.status_code == 429,
        f"expected status 429 (locked) for {what}, got {kit.brief(resp)}{hint}",
    )
    value = resp.headers.get("retry-after", "")
    expect(
        value.strip().isdigit() and 1 <= int(value) <= kit.MAX_RETRY_AFTER,
        f"expected a Retry-After header of 1 to {kit.MAX_RETRY_AFTER} seconds (a whole number) "
        f"on the 429 for {what}, got {value or 'none'!r}",
    )
    kit.check_error(resp, 429, what)


def _json(resp):
    try:
        return json.loads(resp.content)
    except ValueError:
        return resp.text


@pytest.mark.stage("lockout")
def test_wrong_password_and_unknown_email_get_the_same_answer(auth, kit, addresses):
    """A wrong password and an unknown email answer the same status and the same JSON body."""
    user = auth.register("same")
    client = addresses.client_or_main()
    wrong = _login(client, user.email, user.password + "x")
    _failed(wrong, kit, "POST /api/login with a wrong password")
    unknown = _login(client, auth.email("nobody"), user.password)
    expect(
        (unknown.status_code, _json(unknown)) == (wrong.status_code, _json(wrong)),
        f"expected an unknown email to get the same answer as a wrong password "
        f"({kit.brief(wrong)}), got {kit.brief(unknown)}: a different answer tells an attacker "
        "which emails have an account",
    )


@dataclass
class Measure:
    """One timing round: per request kind, the samples of the server's CPU time and of the
    wall-clock time."""

    cpu: dict[str, list[float | None]] = field(default_factory=dict)
    wall: dict[str, list[float]] = field(default_factory=dict)

    def add(self, kind: str, sample) -> None:
        self.cpu.setdefault(kind, []).append(sample.cpu)
        self.wall.setdefault(kind, []).append(sample.seconds)

    def figures(self) -> tuple[str, dict[str, float]]:
        """What was compared and the figure of each kind, in seconds.

        The server's CPU time (median) when it could be read: it does not grow when other
        programs keep the machine busy. Else wall-clock time, the fastest try: load only ever
        adds time, so it is the closest to the work the server does.
        """
        usable = {k: [c for c in v if c is not None] for k, v in self.cpu.items()}
        if all(len(v) >= ROUNDS - 1 for v in usable.values()):
            return "CPU time", {k: statistics.median(v) for k, v in usable.items()}
        return "time", {k: min(v) for k, v in self.wall.items()}


def _round(auth, kit, server, addresses, users) -> Measure:
    """Interleaved GET /api/health, unknown-email and wrong-password requests, timed."""
    measure = Measure()
    for i in range(ROUNDS):
        client = addresses.client()
        client.get("/api/health")  # connect: every timed request reuses the connection
        measure.add("base", kit.timed(client, server, "GET", "/api/health"))
        user = users[i % len(users)]
        tries = [
            ("unknown", {"email": auth.email("ghost"), "password": user.password}),
            ("wrong", {"email": user.email, "password": user.password + "x"}),
        ]
        for kind, body in tries if i % 2 == 0 else tries[::-1]:
            sample = kit.timed(client, server, "POST", "/api/login", json=body)
            _failed(sample.resp, kit, "a failed login while timing them")
            measure.add(kind, sample)
    return measure


def _ratio(base: float, unknown: float, wrong: float) -> float | None:
    """The unknown email's extra cost over the wrong password's; None when too small to tell."""
    extra_unknown, extra_wrong = unknown - base, wrong - base
    if max(extra_unknown, extra_wrong) < MEASURABLE:
        return None
    return extra_unknown / extra_wrong if extra_wrong > 0 else float("inf")


@pytest.mark.stage("lockout")
def test_wrong_password_and_unknown_email_take_similar_time(auth, kit, server, addresses):
    """An unknown email costs about what a wrong password costs (relative, interleaved)."""
    addresses.client()  # skips here when the system cannot send from other addresses
    users = [auth.register(f"timing{i}") for i in range(3)]
    seen = []
    for _ in range(2):  # a second round confirms a failure: one busy moment is not a verdict
        what, got = _round(auth, kit, server, addresses, users).figures()
        ratio = _ratio(got["base"], got["unknown"], got["wrong"])
        if ratio is None or LOW <= ratio <= HIGH:
            return
        seen.append(
            f"{what} of an unknown email {got['unknown'] * 1000:.1f} ms, of a wrong password "
            f"{got['wrong'] * 1000:.1f} ms, of GET /api/health {got['base'] * 1000:.1f} ms: "
            f"ratio {ratio:.2f}"
        )
    expect(
        False,
        f"expected an unknown email to cost about what a wrong password costs (its extra {what} "
        f"over a GET /api/health {LOW} to {HIGH} x a wrong password's, over {ROUNDS} "
        f"interleaved tries each), got in two rounds: {'; '.join(seen)}. Check the password "
        "against a dummy hash (same algorithm and cost) when the email is unknown",
    )


@pytest.mark.stage("lockout")
def test_four_failures_do_not_lock_an_account(auth, kit, addresses):
    """After 4 failed logins for an email, the right password still logs in."""
    user = auth.register("four")
    for n in range(1, kit.EMAIL_LIMIT):
        resp = _login(addresses.client(), user.email, user.password + "x")
        _failed(resp, kit, f"failed login #{n} for {user.email} (the limit is 5 failures)")
    resp = _login(addresses.client(), user.email, user.password)
    expect(
        resp.status_code == 200,
        f"expected status 200 for the right password after {kit.EMAIL_LIMIT - 1} failures "
        f"(an account locks at {kit.EMAIL_LIMIT}), got {kit.brief(resp)}",
    )


@pytest.fixture(scope="module")
def locked(auth, kit, addresses):
    """A user whose email failed 5 times, each time from another address; a sixth address
    and the answer it got for the right password."""
    user = auth.register("locked")
    for n in range(1, kit.EMAIL_LIMIT + 1):
        resp = _login(addresses.client(), user.email, user.password + "x")
        _failed(resp, kit, f"failed login #{n} for {user.email} (the limit is 5 failures)")
    sixth = addresses.client()
    return user, sixth, _login(sixth, user.email, user.password)


@pytest.mark.stage("lockout")
def test_five_failures_lock_the_account_from_every_address(auth, kit, locked):
    """After 5 failures, each from another address, the email is locked (429) from a sixth one."""
    user, sixth, right = locked
    what = f"the RIGHT password for {user.email}, after 5 failures from 5 other addresses"
    _locked(right, kit, f"{what} (count failures per email, not per address)")
    wrong = _login(sixth, user.email, user.password + "x")
    _locked(wrong, kit, f"a wrong password for {user.email}, a locked email")
    other = auth.register("free")
    resp = _login(sixth, other.email, other.password)
    expect(
        resp.status_code == 200,
        f"expected another user to log in (200) from the address that tried the locked email, "
        f"got {kit.brief(resp)}: lock the email that failed, not everyone",
    )


@pytest.mark.stage("lockout")
def test_an_unknown_email_locks_like_a_known_one(auth, kit, addresses, locked):
    """An unknown email locks after 5 failures, with the same answer as a locked account."""
    email = auth.email("ghost")
    for n in range(1, kit.EMAIL_LIMIT + 1):
        resp = _login(addresses.client(), email, "any-password-123")
        _failed(resp, kit, f"failed login #{n} for {email}, an email nobody registered")
    resp = _login(addresses.client(), email, "any-password-123")
    _locked(resp, kit, f"a sixth login for {email}, an email nobody registered (count by email)")
    _, _, known = locked
    if known.status_code == 429:
        expect(
            _json(resp) == _json(known),
            f"expected a locked unknown email to get the same body as a locked account "
            f"({kit.brief(known)}), got {kit.brief(resp)}",
        )


@pytest.mark.stage("lockout")
def test_ten_failures_lock_the_address(auth, kit, addresses):
    """After 10 failures from one address, it is locked (429) even for a user who never failed."""
    user = auth.register("victim")
    attacker = addresses.client()
    for n in range(1, kit.IP_LIMIT + 1):
        forwarded = {"X-Forwarded-For": f"203.0.113.{n}"}
        resp = _login(attacker, auth.email("spray"), "guess-123456", forwarded)
        what = f"failed login #{n} from {attacker.ip} (an address locks after 10 failures)"
        _failed(resp, kit, what)
    forwarded = {"X-Forwarded-For": "203.0.113.200"}
    resp = _login(attacker, user.email, user.password, forwarded)
    _locked(
        resp,
        kit,
        f"the right password of {user.email} from {attacker.ip}, after 10 failures from that "
        "address (count failures per address too; its address is the connection's, whatever "
        "X-Forwarded-For says)",
    )
    resp = _login(addresses.client(), user.email, user.password)
    expect(
        resp.status_code == 200,
        f"expected {user.email} to log in (200) from another address, got {kit.brief(resp)}: "
        "lock the address that failed, not the account",
    )
