"""Stage transfer: `balance` and `transfer`, one at a time: the rules, the refusals, and a
transfer that is all or nothing, even when its second write fails."""

import random
from dataclasses import dataclass

import pytest
from conftest import CRASH_MESSAGE, Account, Ids, account

from learnpath.grading.checks import CheckFailure, expect, expect_equal

CHECKS = ("balance", "moves", "refusals", "atomic", "crash-credit", "crash-debit")


@dataclass(frozen=True)
class Group:
    """The four accounts one check works with (no other check touches them)."""

    rng: random.Random
    rich: Account
    modest: Account
    empty: Account
    other: Account


@pytest.fixture(scope="module")
def town(bank):
    """One database for the stage: four accounts of its own for each check."""
    ids = Ids(bank.rng("transfer:ids"))
    groups = {}
    for name in CHECKS:
        rng = bank.rng(name)
        groups[name] = Group(
            rng,
            rich=account(ids, rng.randrange(50_000, 90_000)),
            modest=account(ids, rng.randrange(3_000, 9_000)),
            empty=account(ids, 0),
            other=account(ids, rng.randrange(1_000, 5_000)),
        )
    every = [a for g in groups.values() for a in (g.rich, g.modest, g.empty, g.other)]
    return bank.open("transfer", accounts=every), groups, ids


@pytest.mark.stage("transfer")
def test_balance(town):
    """`balance ID` answers the balance in cents; an unknown id is unknown_account."""
    b, groups, ids = town
    g = groups["balance"]
    for acc in (g.modest, g.empty):
        answer = b.run("balance", acc.id)
        expect(
            answer.get("ok") is True and answer.get("balance") == acc.balance,
            f'expected `balance {acc.id}` to answer {{"ok": true, "account": "{acc.id}", '
            f'"balance": {acc.balance}}}, got {answer}. {b.repro(["balance", acc.id])}',
        )
    b.expect_refused("unknown_account", "balance", ids(), why="there is no account with that id")


@pytest.mark.stage("transfer")
def test_transfer_moves_money(town):
    """A transfer moves the money, answers both balances and writes one transfers row.

    Moving an account's whole balance is allowed; a third account does not change."""
    b, groups, _ = town
    g = groups["moves"]
    rng, rich, modest, other = g.rng, g.rich, g.modest, g.other
    amount = rng.randrange(100, modest.balance // 2)
    args = ("transfer", modest.id, rich.id, str(amount))
    answer = b.expect_ok(*args)
    want = {modest.id: modest.balance - amount, rich.id: rich.balance + amount}
    expect(
        answer.get("from_balance") == want[modest.id] and answer.get("to_balance") == want[rich.id],
        f"expected `{' '.join(args)}` to answer from_balance {want[modest.id]} and to_balance "
        f"{want[rich.id]}, got {answer}. {b.repro(args)}",
    )
    expect(
        isinstance(answer.get("transfer_id"), int) and not isinstance(answer["transfer_id"], bool),
        f"expected transfer_id to be the integer id of the new transfers row, got {answer}",
    )
    balances = b.balances()
    expect_equal(
        {k: balances[k] for k in want}, want, f"the balances of {modest.id} and {rich.id} after it"
    )
    expect_equal(balances[other.id], other.balance, f"the balance of the bystander {other.id}")
    mine = (rich.id, modest.id, other.id, g.empty.id)
    expect_equal(
        b.transfers(among=mine),
        [(answer["transfer_id"], modest.id, rich.id, amount)],
        "transfers rows (id, from_id, to_id, amount) after one transfer",
    )
    # The whole remaining balance may go: the rule is balance >= amount, not >.
    rest = want[modest.id]
    answer = b.expect_ok("transfer", modest.id, other.id, str(rest))
    expect_equal(b.balances()[modest.id], 0, f"{modest.id}'s balance after sending all of it")
    expect_equal(len(b.transfers(among=mine)), 2, "transfers rows after two transfers")


@pytest.mark.stage("transfer")
def test_refusals_change_nothing(town):
    """Refused transfers exit 0 with the right error and change nothing.

    insufficient_funds, unknown_account, same_account and invalid_amount: no balance moves,
    no transfers row is written."""
    b, groups, ids = town
    g = groups["refusals"]
    rich, modest, empty = g.rich, g.modest, g.empty
    before = b.state()
    nobody = ids()
    cases = [
        (
            "insufficient_funds",
            ("transfer", modest.id, rich.id, str(modest.balance + 1)),
            f"one cent more than {modest.id}'s balance of {modest.balance}",
        ),
        ("insufficient_funds", ("transfer", empty.id, rich.id, "1"), f"{empty.id} holds 0"),
        ("unknown_account", ("transfer", modest.id, nobody, "100"), f"there is no {nobody}"),
        ("unknown_account", ("transfer", nobody, modest.id, "100"), f"there is no {nobody}"),
        ("same_account", ("transfer", rich.id, rich.id, "100"), "from and to are one account"),
    ]
    cases += [
        ("invalid_amount", ("transfer", rich.id, modest.id, bad), "not a positive integer")
        for bad in ("0", "-500", "12.50", "ten")
    ]
    for error, args, why in cases:
        b.expect_refused(error, *args, why=why)
        after = b.state()
        expect(
            after == before,
            f"expected the refused `{' '.join(args)}` to change nothing, but the database "
            f"changed: balances {before[0]} -> {after[0]}, transfers rows {len(before[1])} -> "
            f"{len(after[1])}. {b.repro(args)}",
        )


@pytest.mark.stage("transfer")
def test_one_transaction(town):
    """A transfer's debit, credit and transfers row are written by one transaction.

    The grader's trigger notes each write with txid_current()."""
    b, groups, _ = town
    g = groups["atomic"]
    rng = g.rng
    for source, target in ((g.rich, g.other), (g.modest, g.empty)):
        mark = b.mark()
        args = ("transfer", source.id, target.id, str(rng.randrange(100, 1000)))
        b.expect_ok(*args)
        writes = b.writes_since(mark)
        tables = sorted((w[2], w[3]) for w in writes)
        expect(
            sum(t == "accounts" for t, _ in tables) >= 2
            and any(t == "transfers" for t, _ in tables),
            f"expected `{' '.join(args)}` to update both accounts rows and insert a transfers "
            f"row, the grader saw these writes: {tables}. {b.repro(args)}",
        )
        txids = sorted({w[0] for w in writes})
        expect(
            len(txids) == 1,
            f"expected the writes of `{' '.join(args)}` (debit, credit, transfers row) to be made "
            f"by one transaction, they were made by {len(txids)} transactions "
            f"({', '.join(f'{w[2]} {w[3]} in txid {w[0]}' for w in writes)}): each statement "
            "committed on its own (autocommit). Wrap the whole transfer in BEGIN ... COMMIT. "
            f"{b.repro(args)}",
        )


@pytest.mark.stage("transfer")
@pytest.mark.parametrize("direction", ["credit", "debit"])
def test_crash_halfway_leaves_nothing(town, direction):
    """A transfer whose credit (or debit) fails halfway, as in a crash, leaves nothing.

    The grader makes that write fail on purpose: no balance may move, no transfers row stay."""
    b, groups, _ = town
    g = groups[f"crash-{direction}"]
    rng, rich, other = g.rng, g.rich, g.other
    amount = rng.randrange(100, 1000)
    args = ("transfer", rich.id, other.id, str(amount))
    failing = other.id if direction == "credit" else rich.id
    b.fail_writes(
        "accounts",
        times=1,
        sqlstate="P0001",
        message=CRASH_MESSAGE,
        row_id=failing,
        direction=direction,
    )
    before = b.state()
    try:
        outcome = b.call(*args)
    finally:
        hits = b.clear_faults()
    if hits == 0:
        raise CheckFailure(
            f"expected `{' '.join(args)}` to {direction} account {failing} (the grader made that "
            f"write fail, as a crash would), but it never tried; its answer: {outcome.brief()}. "
            f"{b.repro(args)}"
        )
    expect(
        not outcome.ok,
        f"expected `{' '.join(args)}` not to report success when its {direction} of {failing} "
        f"failed, got {outcome.brief()}. {b.repro(args)}",
    )
    after = b.state()
    changed = {k: (before[0][k], v) for k, v in after[0].items() if before[0].get(k) != v}
    what = f"balances changed {changed}" if changed else "the database changed"
    if after[1] != before[1]:
        what += f" and transfers rows went {len(before[1])} -> {len(after[1])}"
    expect(
        after == before,
        f"expected nothing of `{' '.join(args)}` to remain when its {direction} of {failing} "
        f"failed (the grader failed that write on purpose, as a crash would), but "
        f"{what}: the first write was committed on its own. Make the debit, the credit and the "
        f"transfers row one transaction. {b.repro(args)}",
    )
