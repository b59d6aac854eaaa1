"""Stage upsert: one INSERT ... ON CONFLICT statement adds stock, also under concurrency."""

import contextlib
import random
import threading

import pytest

from learnpath.grading.checks import CheckFailure, expect
from learnpath.grading.sql import to_pyformat

FILE = "upsert_stock.sql"
SESSIONS = 20


def _stock(db) -> dict[str, tuple[int, object]]:
    rows = db.query("SELECT sku, quantity, updated_at FROM stock").rows
    return {sku: (quantity, updated) for sku, quantity, updated in rows}


@pytest.mark.stage("upsert")
def test_upsert_adds_to_stock(seeded, project):
    """upsert_stock.sql creates a new SKU's row, then adds to it and to seeded rows"""
    s = seeded("upsert")
    sql = project.sql(FILE)
    rng = random.Random(f"{s.zone}:{len(s.shop.stock)}:{sorted(s.shop.stock)[0]}")
    before = _stock(s.db)
    new = f"NEW-{rng.randint(10000, 99999)}"
    old = rng.choice(sorted(s.shop.stock))
    steps = [
        (new, rng.randint(2, 9), f"a SKU without a row ({new})"),
        (new, rng.randint(11, 30), f"the SKU created just before ({new})"),
        (old, rng.randint(3, 12), f"a seeded SKU ({old}, quantity {s.shop.stock[old]})"),
        (old, rng.randint(1, 4), f"the same seeded SKU again ({old})"),
    ]
    want = {sku: q for sku, (q, _) in before.items()}
    done: list[str] = []
    for sku, qty, what in steps:
        params = {"sku": sku, "qty": qty}
        s.db.execute(sql, params, source=FILE)
        want[sku] = want.get(sku, 0) + qty
        done.append(f":sku={sku!r} :qty={qty}")
        got = _stock(s.db).get(sku)
        expect(
            got is not None and got[0] == want[sku],
            f"after running {FILE} for {what} with :qty={qty}, expected {sku} to hold quantity "
            f"{want[sku]}, got {'no row' if got is None else got[0]} (runs so far: "
            f"{'; '.join(done)}). {s.db.repro(sql, params)}",
        )
    after = _stock(s.db)
    changed = sorted(
        sku
        for sku in set(after) | set(before)
        if sku not in (new, old) and after.get(sku) != before.get(sku)
    )
    expect(
        not changed,
        f"expected {FILE} to change only the SKU it is given, but the rows of {', '.join(changed)} "
        f"changed too (runs: {'; '.join(done)})",
    )
    expect(
        len(after) == len(before) + 1,
        f"expected exactly one new row in stock (for {new}) after the runs, found "
        f"{len(after) - len(before)}",
    )
    seeded_at = s.shop.stock_updated
    stale = [sku for sku in (new, old) if after[sku][1] <= seeded_at]
    expect(
        not stale,
        f"expected updated_at of the rows {FILE} wrote to be set to now(), but {', '.join(stale)} "
        f"still has {after[stale[0]][1].isoformat() if stale else ''} (set updated_at in the "
        "INSERT and in DO UPDATE)",
    )


@pytest.mark.stage("upsert")
def test_upsert_concurrent_sessions(seeded, project):
    """20 sessions run upsert_stock.sql at once: no errors and no lost units"""
    s = seeded("upsert-race")
    sql = project.sql(FILE)
    query = to_pyformat(sql)
    rng = random.Random(f"race:{s.zone}:{sorted(s.shop.stock)[0]}")
    existing = rng.choice(sorted(s.shop.stock))
    skus = [f"RACE-{rng.randint(10000, 99999)}-{k}" for k in range(5)] + [existing]
    # Session k adds k + 1 each time: every session's contribution shows in the sum.
    added = sum(range(1, SESSIONS + 1))
    want = {sku: added for sku in skus}
    want[existing] += s.shop.stock[existing]
    conns = [s.db.connect() for _ in range(SESSIONS)]
    barrier = threading.Barrier(SESSIONS, timeout=60)
    errors: list[tuple[str, int, str, str]] = []
    lock = threading.Lock()

    def work(k: int) -> None:
        conn = conns[k]
        for sku in skus:
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                return
            try:
                with conn.transaction():
                    conn.execute(query, {"sku": sku, "qty": k + 1})
            except Exception as exc:
                state = getattr(exc, "sqlstate", None) or "?"
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                with lock:
                    errors.append((sku, k + 1, state, first))

    threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(SESSIONS)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        hung = sum(t.is_alive() for t in threads)
        if hung:
            barrier.abort()
            raise CheckFailure(
                f"{hung} of {SESSIONS} sessions running {FILE} at once had not finished after "
                "2 minutes (a statement waiting on a lock forever?)"
            )
    finally:
        for conn in conns:
            with contextlib.suppress(Exception):
                conn.close()
    total = SESSIONS * len(skus)
    if errors:
        sku, qty, state, message = errors[0]
        why = (
            " Two sessions both found no row for the SKU and both inserted: let the unique key "
            "decide with INSERT ... ON CONFLICT (sku) DO UPDATE."
            if state == "23505"
            else ""
        )
        raise CheckFailure(
            f"expected all {total} runs of {FILE} by {SESSIONS} concurrent sessions to succeed, "
            f"{len(errors)} failed; e.g. adding {qty} to {sku!r}: {message} (SQLSTATE {state})."
            f"{why} {s.db.repro(sql, {'sku': sku, 'qty': qty})}"
        )
    got = {sku: q for sku, (q, _) in _stock(s.db).items() if sku in want}
    wrong = {sku: got.get(sku) for sku in skus if got.get(sku) != want[sku]}
    expect(
        not wrong,
        f"expected each SKU to end with everything the {SESSIONS} concurrent sessions added "
        f"(session k added k, {added} in all; {existing} started at {s.shop.stock[existing]}): "
        f"{want}, got {got}. Units were lost for {', '.join(wrong)}: one session's change was "
        "computed from a quantity another session had already changed. In DO UPDATE, add to "
        "stock.quantity (the locked, current row), not to a value read earlier.",
    )
