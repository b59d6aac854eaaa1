"""bank: a small command-line bank on PostgreSQL, with psycopg 3.

    python bank.py balance ACCOUNT
    python bank.py transfer FROM TO AMOUNT      (AMOUNT: a positive integer number of cents)
    python bank.py leave DOCTOR

Every command prints ONE JSON line and exits 0, a refused operation included
({"ok": false, "error": "insufficient_funds"}); a non-zero exit means an unhandled error. The
database is $DATABASE_URL; its tables are in schema.sql (the grader creates them itself).

The stages, in order (`learnpath grade` shows each one's instructions):
  1. transfer            balance and transfer, all or nothing
  2. lost-updates        50 transfers at once: no money created or lost
  3. deadlocks           A -> B and B -> A at once: no deadlock error
  4. write-skew          two doctors leaving at once: one stays on call
  5. isolation-declared  declare each command's isolation level and why, retry 40001

Stage 5 asks for two comments like these, with the level you chose and your reason:
# isolation transfer: <level> - because <your reason>
# isolation leave: <level> - because <your reason>
"""

from __future__ import annotations

import json
import os
import sys

import psycopg

USAGE = "usage: bank.py balance ACCOUNT | transfer FROM TO AMOUNT | leave DOCTOR"


def balance(conn, account):
    # TODO (transfer): {"ok": true, "account": ..., "balance": <cents>} or unknown_account.
    return {"ok": False, "error": "not implemented"}


def transfer(conn, source, target, amount_text):
    # TODO (transfer): move the money in ONE transaction; refuse with invalid_amount,
    # same_account, unknown_account or insufficient_funds.
    return {"ok": False, "error": "not implemented"}


def leave(conn, doctor):
    # TODO (write-skew): take the doctor off call unless nobody else of the shift would stay on
    # call (last_on_call); not_on_call, unknown_doctor.
    return {"ok": False, "error": "not implemented"}


COMMANDS = {"balance": (balance, 1), "transfer": (transfer, 3), "leave": (leave, 1)}


def main(argv):
    url = os.environ.get("DATABASE_URL")
    command = COMMANDS.get(argv[0]) if argv else None
    if not url or command is None or len(argv) - 1 != command[1]:
        print(USAGE if url else "DATABASE_URL is not set", file=sys.stderr)
        return 2
    # autocommit=True: nothing is a transaction unless you open one, e.g. with
    # `with conn.transaction(): ...` (BEGIN ... COMMIT, or ROLLBACK on an exception).
    with psycopg.connect(url, autocommit=True) as conn:
        result = command[0](conn, *argv[1:])
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
