"""Stage deadlocks: transfers A -> B and B -> A at the same moment, for several pairs.

The grader makes the classic deadlock happen rather than hoping for it: it locks every A row
from one connection and every B row from another, starts the processes (A -> B ones block on
A, B -> A ones on B), releases the A rows (the A -> B transfers take A, then queue for B), and
then the B rows (the B -> A transfers take B and ask for A). A program that locks its rows in
argument order is now in a deadlock in every pair; one that locks in one global order (by id)
never is, and one that retries on SQLSTATE 40P01 recovers.
"""

import pytest
from conftest import Ids, account, expect_all_answered

from learnpath.grading.checks import expect

PAIRS = 4
EACH_WAY = 1  # transfers in each direction per pair (8 processes in all)

HINT = (
    "Lock both accounts in one global order whatever the direction (e.g. "
    "SELECT ... WHERE id IN (:a, :b) ORDER BY id FOR UPDATE, or the smaller id first), "
    "or roll back and retry the whole transaction on SQLSTATE 40P01 (deadlock_detected)."
)


@pytest.mark.stage("deadlocks")
def test_opposite_transfers_all_succeed(bank):
    """A -> B and B -> A at once for 4 pairs: no deadlock error, all succeed, sums add up."""
    rng = bank.rng("pairs")
    ids = Ids(rng)
    pairs = [
        (account(ids, rng.randrange(20_000, 40_000)), account(ids, rng.randrange(20_000, 40_000)))
        for _ in range(PAIRS)
    ]
    everyone = [a for pair in pairs for a in pair]
    b = bank.open("pairs", accounts=everyone)
    commands = []
    for first, second in pairs:
        for _ in range(EACH_WAY):
            commands.append(("transfer", first.id, second.id, str(rng.randrange(100, 2_000))))
            commands.append(("transfer", second.id, first.id, str(rng.randrange(100, 2_000))))
    rng.shuffle(commands)
    outcomes = b.race(
        commands,
        hold=[("accounts", [p[0].id for p in pairs]), ("accounts", [p[1].id for p in pairs])],
    )
    a, c = pairs[0]
    repro = (
        f"Reproduce it with two psql sessions: in one, BEGIN and lock {a.id} then {c.id}; in the "
        f"other, BEGIN and lock {c.id} then {a.id}."
    )
    deadlocked = [
        o for o in outcomes if o.answer is None and ("40P01" in o.tail or "deadlock" in o.tail)
    ]
    expect(
        not deadlocked,
        f"expected no transfer to end in a deadlock error; {len(deadlocked)} of {len(outcomes)} "
        f"did: {'; '.join(o.brief() for o in deadlocked[:2])}. {HINT} {repro}",
    )
    expect_all_answered(outcomes, "opposite transfers", HINT, repro)
    refused = [o for o in outcomes if not o.ok]
    expect(
        not refused,
        f"expected all {len(outcomes)} opposite transfers to succeed (every account holds far "
        f"more than they move), {len(refused)} did not: "
        f"{'; '.join(o.brief() for o in refused[:3])}. A deadlock is not a reason to refuse a "
        f"transfer. {HINT}",
    )
    balances = b.balances()
    for acc in everyone:
        moved = sum(
            int(o.args[3]) * ((o.args[2] == acc.id) - (o.args[1] == acc.id)) for o in outcomes
        )
        expect(
            balances[acc.id] == acc.balance + moved,
            f"expected {acc.id} to hold {acc.balance + moved} after the transfers "
            f"({acc.balance} {moved:+d}), it holds {balances[acc.id]}",
        )
    ids_reported = sorted(int((o.answer or {}).get("transfer_id") or 0) for o in outcomes)
    ids_stored = sorted(t[0] for t in b.transfers())
    expect(
        ids_reported == ids_stored,
        f"expected one transfers row per successful transfer with the transfer_id it reported: "
        f"reported {ids_reported}, stored {ids_stored}",
    )
