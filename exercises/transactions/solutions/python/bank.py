"""bank: a small command-line bank on PostgreSQL, with psycopg 3.

    python bank.py balance ACCOUNT
    python bank.py transfer FROM TO AMOUNT      (AMOUNT: a positive integer number of cents)
    python bank.py leave DOCTOR

Every command prints one JSON line and exits 0, a refused operation included
({"ok": false, "error": "insufficient_funds"}). The database is $DATABASE_URL; its tables are
in schema.sql.
"""

# isolation transfer: read committed - because a transfer locks both account rows (in id order)
#   before it reads them, so it always works on the latest committed balances; a stricter level
#   would only add serialization failures on busy accounts.
# isolation leave: serializable - because the rota rule reads the other doctors' rows but writes
#   only the leaving doctor's row (write skew): SERIALIZABLE notices two such leaves breaking the
#   rule together and fails one of them, which is then retried and refused.

from __future__ import annotations

import json
import os
import random
import re
import sys
import time

import psycopg
from psycopg import errors

# Retry the WHOLE transaction on these, never a single statement: its earlier reads are stale.
RETRYABLE = (errors.SerializationFailure, errors.DeadlockDetected)
ATTEMPTS = 8
AMOUNT = re.compile(r"[1-9][0-9]{0,14}")
USAGE = "usage: bank.py balance ACCOUNT | transfer FROM TO AMOUNT | leave DOCTOR"


class Refused(Exception):
    """A business rule said no: the transaction is rolled back and the answer is ok: false."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def in_transaction(conn, isolation, work):
    """Run ``work(conn)`` in one transaction at ``isolation``; when PostgreSQL gives up on it
    (serialization failure, deadlock), run it again from the start, a bounded number of times
    with jittered exponential backoff."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with conn.transaction():
                conn.execute(f"SET TRANSACTION ISOLATION LEVEL {isolation}")
                return work(conn)
        except Refused as refused:
            return {"ok": False, "error": refused.error}
        except RETRYABLE:
            if attempt == ATTEMPTS:
                return {"ok": False, "error": "retry_limit"}
            time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))
    raise AssertionError("unreachable")


def balance(conn, account):
    row = conn.execute("SELECT balance FROM accounts WHERE id = %s", (account,)).fetchone()
    if row is None:
        return {"ok": False, "error": "unknown_account"}
    return {"ok": True, "account": account, "balance": row[0]}


def transfer(conn, source, target, amount_text):
    if not AMOUNT.fullmatch(amount_text):
        return {"ok": False, "error": "invalid_amount"}
    if source == target:
        return {"ok": False, "error": "same_account"}
    amount = int(amount_text)

    def work(conn):
        balances = {}
        # Lock both rows in one global order (by id), whatever the transfer's direction: two
        # opposite transfers then queue for the same first row instead of deadlocking.
        for account in sorted((source, target)):
            row = conn.execute(
                "SELECT balance FROM accounts WHERE id = %s FOR UPDATE", (account,)
            ).fetchone()
            if row is None:
                raise Refused("unknown_account")
            balances[account] = row[0]
        if balances[source] < amount:
            raise Refused("insufficient_funds")
        conn.execute("UPDATE accounts SET balance = balance - %s WHERE id = %s", (amount, source))
        conn.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (amount, target))
        (transfer_id,) = conn.execute(
            "INSERT INTO transfers (from_id, to_id, amount) VALUES (%s, %s, %s) RETURNING id",
            (source, target, amount),
        ).fetchone()
        return {
            "ok": True,
            "transfer_id": transfer_id,
            "from_balance": balances[source] - amount,
            "to_balance": balances[target] + amount,
        }

    return in_transaction(conn, "READ COMMITTED", work)


def leave(conn, doctor):
    def work(conn):
        row = conn.execute("SELECT shift, on_call FROM doctors WHERE id = %s", (doctor,)).fetchone()
        if row is None:
            raise Refused("unknown_doctor")
        shift, on_call = row
        if not on_call:
            raise Refused("not_on_call")
        (others,) = conn.execute(
            "SELECT count(*) FROM doctors WHERE shift = %s AND on_call AND id <> %s",
            (shift, doctor),
        ).fetchone()
        if others == 0:
            raise Refused("last_on_call")
        conn.execute("UPDATE doctors SET on_call = false WHERE id = %s", (doctor,))
        return {"ok": True, "doctor": doctor, "on_call": False}

    return in_transaction(conn, "SERIALIZABLE", work)


COMMANDS = {"balance": (balance, 1), "transfer": (transfer, 3), "leave": (leave, 1)}


def main(argv):
    url = os.environ.get("DATABASE_URL")
    command = COMMANDS.get(argv[0]) if argv else None
    if not url or command is None or len(argv) - 1 != command[1]:
        print(USAGE if url else "DATABASE_URL is not set", file=sys.stderr)
        return 2
    with psycopg.connect(url, autocommit=True) as conn:
        result = command[0](conn, *argv[1:])
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
