"""Stage lost-updates: two dozen transfers at once out of two accounts that can pay only some.

The grader locks the two paying accounts' rows, starts the 24 processes, waits until every one
of them is blocked on a lock, then lets go. A program that reads a balance without locking it
has by then read the old balance in every process: it pays too many transfers (or credits from
stale balances), whatever the speed of the machine. Sources and targets are disjoint, so no
lock order can deadlock here (that is the next stage).
"""

from collections import Counter

import pytest
from conftest import Ids, account, expect_all_answered

from learnpath.grading.checks import CheckFailure, expect

PER_SOURCE = 12  # transfers out of each of the two paying accounts (24 processes in all)

HINT = (
    "Read and change a balance so that no other transfer can change it in between: "
    "UPDATE ... SET balance = balance - :amount WHERE id = :id AND balance >= :amount (and check "
    "the row count), or SELECT ... FOR UPDATE before you compute anything."
)


@pytest.mark.stage("lost-updates")
def test_concurrent_transfers_lose_nothing(bank):
    """24 transfers at once from two accounts: no lost update, no overdraft, no lost cent.

    The accounts can pay only some of them: exactly that many succeed, no balance goes below
    0, no cent is created or lost, and every reported success is one transfers row."""
    rng = bank.rng("race")
    ids = Ids(rng)
    sources = []
    for _ in range(2):
        amount = rng.randrange(300, 900)
        payable = rng.randrange(4, 9)
        rest = rng.randrange(0, amount)  # never enough for one more
        sources.append((account(ids, payable * amount + rest), amount, payable, rest))
    targets = [account(ids, rng.randrange(0, 5_000)) for _ in range(3)]
    bystander = account(ids, rng.randrange(1_000, 9_000))
    everyone = [s for s, *_ in sources] + targets + [bystander]
    b = bank.open("race", accounts=everyone)
    commands = [
        ("transfer", src.id, rng.choice(targets).id, str(amount))
        for src, amount, _, _ in sources
        for _ in range(PER_SOURCE)
    ]
    rng.shuffle(commands)
    outcomes = b.race(commands, hold=[("accounts", [s.id for s, *_ in sources])])
    repro = (
        f"Reproduce it with two psql sessions, or with {len(commands)} copies of "
        f"`{b.project.config.get('run')} transfer ...` started at once while another session "
        f"holds SELECT ... FOR UPDATE on {sources[0][0].id}."
    )
    expect_all_answered(outcomes, "concurrent transfers", HINT, repro)
    odd = [o for o in outcomes if not o.ok and o.error != "insufficient_funds"]
    expect(
        not odd,
        "expected each concurrent transfer to succeed or be refused with insufficient_funds, "
        f"got {'; '.join(o.brief() for o in odd[:3])}. {repro}",
    )
    balances = b.balances()
    total_before = sum(a.balance for a in everyone)
    total_after = sum(balances.values())
    for src, amount, payable, rest in sources:
        won = [o for o in outcomes if o.ok and o.args[1] == src.id]
        expect(
            len(won) == payable and balances[src.id] == rest,
            f"expected exactly {payable} of the {PER_SOURCE} concurrent transfers of {amount} out "
            f"of {src.id} (balance {src.balance}) to succeed, leaving {rest}; {len(won)} reported "
            f"success and {src.id} now holds {balances[src.id]}"
            + (
                " (below zero)"
                if balances[src.id] < 0
                else f" (the money in the bank went from {total_before} to {total_after})"
                if total_after != total_before
                else ""
            )
            + f": lost updates. {HINT} {repro}",
        )
        reported = sorted(
            ((o.answer or {}).get("from_balance") for o in won),
            key=lambda v: (not isinstance(v, int), v if isinstance(v, int) else 0),
        )
        wanted = sorted(src.balance - k * amount for k in range(1, payable + 1))
        expect(
            reported == wanted,
            f"expected the successful transfers out of {src.id} to report the from_balance each "
            f"left behind, {wanted} in some order, got {reported}: some of them computed from "
            f"a balance another transfer had already changed. {HINT}",
        )
    negative = {k: v for k, v in balances.items() if v < 0}
    expect(not negative, f"expected no balance below 0, got {negative}. {HINT}")
    expect(
        total_after == total_before,
        f"expected the money in the bank to stay {total_before} cents, it is {total_after}: "
        f"some credit or debit was computed from a stale balance. {HINT}",
    )
    credited = Counter()
    for o in outcomes:
        if o.ok:
            credited[o.args[2]] += int(o.args[3])
    for t in [*targets, bystander]:
        want = t.balance + credited[t.id]
        expect(
            balances[t.id] == want,
            f"expected {t.id} to hold {want} ({t.balance} + {credited[t.id]} from the successful "
            f"transfers to it), it holds {balances[t.id]}: a credit was lost or doubled. {HINT}",
        )
    ledger = b.transfers()
    reported_rows = Counter(
        ((o.answer or {}).get("transfer_id"), o.args[1], o.args[2], int(o.args[3]))
        for o in outcomes
        if o.ok
    )
    if Counter(ledger) != reported_rows:
        missing = list((reported_rows - Counter(ledger)).elements())
        extra = list((Counter(ledger) - reported_rows).elements())
        raise CheckFailure(
            f"expected one transfers row (id, from_id, to_id, amount) per reported success "
            f"({reported_rows.total()}), found {len(ledger)} rows; reported but not in the table: "
            f"{missing[:3]}; in the table but not reported: {extra[:3]}"
        )
