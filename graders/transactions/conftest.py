"""Shared set-up for the transactions graders: a fresh bank database per check, the learner's
``bank`` program run as a command (one process per call), and races between many of them.

Every check gets its own PostgreSQL database holding the bank's tables (the same as the
starter's ``schema.sql``), random rows made for this run, and the grader's instruments in a
schema of its own, ``grader``:

- ``grader.writes``: a trigger notes every committed write to ``accounts``, ``transfers`` and
  ``doctors`` with the transaction that made it (``txid_current()``) and the isolation level that
  transaction really ran at. A rolled-back write leaves no note.
- the write gate: every such write first takes a shared advisory lock, which is free unless
  the grader holds it during a race: then each write waits, inside its transaction, after the
  reads that decided it.
- ``grader.faults``: the grader can make the next N matching writes fail, with SQLSTATE 40001 (a
  serialization failure, as PostgreSQL raises it) or with an error standing for a crash.

Races are made deterministic rather than hoped for: before the processes start, the grader
locks the contended rows from its own connection (``SELECT ... FOR UPDATE``) or holds the write
gate, waits until every running process is blocked on a lock, and only then lets go. A program
that reads without a lock has by then read the old values, whatever the speed of the machine.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

from learnpath.grading.checks import CheckFailure, expect

# The bank's tables: the starter's schema.sql without its sample rows.
SCHEMA = """
CREATE TABLE accounts (
    id      text PRIMARY KEY,
    owner   text NOT NULL,
    balance bigint NOT NULL
);
CREATE TABLE transfers (
    id         bigserial PRIMARY KEY,
    from_id    text NOT NULL REFERENCES accounts (id),
    to_id      text NOT NULL REFERENCES accounts (id),
    amount     bigint NOT NULL CHECK (amount > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE doctors (
    id      text PRIMARY KEY,
    name    text NOT NULL,
    shift   text NOT NULL,
    on_call boolean NOT NULL
);
"""

# The advisory lock every write to the bank's tables waits for while the grader holds it.
GATE_KEY = 74_250_117
# The grader's instruments (see the module docstring).
INSTRUMENTS = """
CREATE SCHEMA grader;
CREATE TABLE grader.writes (
    seq       bigserial PRIMARY KEY,
    txid      bigint NOT NULL,
    isolation text NOT NULL,
    tbl       text NOT NULL,
    row_id    text NOT NULL,
    op        text NOT NULL
);
CREATE TABLE grader.faults (
    tbl       text NOT NULL,
    row_id    text,
    direction text,
    sqlstate  text NOT NULL,
    message   text NOT NULL,
    times     integer NOT NULL
);
CREATE SEQUENCE grader.fault_hits;
CREATE FUNCTION grader.watch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    f record;
BEGIN
    -- The write gate: free (and instant) unless the grader holds it during a race.
    PERFORM pg_advisory_xact_lock_shared(GATE_KEY);
    FOR f IN SELECT * FROM grader.faults WHERE tbl = TG_TABLE_NAME LOOP
        CONTINUE WHEN f.row_id IS NOT NULL AND f.row_id <> NEW.id::text;
        IF f.direction IS NOT NULL THEN
            CONTINUE WHEN TG_OP <> 'UPDATE';
            CONTINUE WHEN f.direction = 'credit' AND NOT NEW.balance > OLD.balance;
            CONTINUE WHEN f.direction = 'debit' AND NOT NEW.balance < OLD.balance;
        END IF;
        IF nextval('grader.fault_hits') <= f.times THEN
            RAISE EXCEPTION USING ERRCODE = f.sqlstate, MESSAGE = f.message;
        END IF;
    END LOOP;
    INSERT INTO grader.writes (txid, isolation, tbl, row_id, op)
    VALUES (txid_current(), current_setting('transaction_isolation'), TG_TABLE_NAME,
            NEW.id::text, TG_OP);
    RETURN NEW;
END
$$;
CREATE TRIGGER grader_watch BEFORE INSERT OR UPDATE ON accounts
    FOR EACH ROW EXECUTE FUNCTION grader.watch();
CREATE TRIGGER grader_watch BEFORE INSERT OR UPDATE ON transfers
    FOR EACH ROW EXECUTE FUNCTION grader.watch();
CREATE TRIGGER grader_watch BEFORE INSERT OR UPDATE ON doctors
    FOR EACH ROW EXECUTE FUNCTION grader.watch();
""".replace("GATE_KEY", str(GATE_KEY))

SERIALIZATION_MESSAGE = (
    "could not serialize access due to concurrent update (raised on purpose by the grader: "
    "retry the whole transaction)"
)
CRASH_MESSAGE = "the grader made this write fail, as a crash halfway through the transfer would"
RUN_TIMEOUT = 25.0  # a hung bank command (seconds); every check stays within learnpath's bound
SETTLE_LIMIT = 20.0  # longest wait for the racing processes to block on the grader's locks
NAMES = (
    "ana", "ben", "cho", "dev", "eli", "fay", "gus", "hal", "ida", "jon", "kim", "lou", "mia",
    "ned", "oli", "pia", "quy", "rui", "sam", "tia", "uma", "vic", "wes", "xia", "yan", "zoe",
)  # fmt: skip
LEVELS = ("read committed", "repeatable read", "serializable")


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    owner: str
    balance: int


@dataclass(frozen=True, slots=True)
class Doctor:
    id: str
    name: str
    shift: str
    on_call: bool


@dataclass(frozen=True, slots=True)
class Outcome:
    """One bank command of a race: its arguments, how it ended, its answer (None: it failed)."""

    args: tuple[str, ...]
    code: int
    answer: dict[str, Any] | None
    command: str
    tail: str

    @property
    def ok(self) -> bool:
        return bool(self.answer and self.answer.get("ok") is True)

    @property
    def error(self) -> str | None:
        return None if self.answer is None else self.answer.get("error")

    def brief(self) -> str:
        shown = " ".join(self.args)
        if self.answer is None:
            return f"`{shown}` exited {self.code} ({self.tail[-300:]})"
        return f"`{shown}` -> {self.answer}"


def _sql_literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _inserts(table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    values = [f"({', '.join(_sql_literal(v) for v in row)})" for row in rows]
    if not values:
        return ""
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES\n    " + ",\n    ".join(values) + ";\n"
    )


class Ids:
    """Readable, unique, random ids (``kim-4821``): their sorted order says nothing about the
    order in which a check uses them."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def __call__(self, prefix: str = "") -> str:
        while True:
            candidate = f"{prefix}{self.rng.choice(NAMES)}-{self.rng.randrange(1000, 10000)}"
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate


class Bank:
    """One fresh database with the bank's tables, the grader's instruments and a seed, and the
    learner's program pointed at it through DATABASE_URL."""

    def __init__(self, project: Any, db: Any, accounts: list[Account], doctors: list[Doctor]):
        self.project = project
        self.db = db
        self.accounts = {a.id: a for a in accounts}
        self.doctors = {d.id: d for d in doctors}
        self.env = {"DATABASE_URL": db.dsn}

    # -- running the program ------------------------------------------------------------------

    def repro(self, args: Sequence[str]) -> str:
        run = self.project.config.get("run") or "<your run command>"
        return (
            f"reproduce: `learnpath grade --keep` keeps the database as the grader seeded it "
            f"as .learnpath-kept/{self.db.name}.sql; load it into an empty database "
            f'(psql "$DATABASE_URL" -f .learnpath-kept/{self.db.name}.sql) and run '
            f"`{run} {' '.join(args)}`"
        )

    def outcome(self, args: Sequence[str], ran: Any) -> Outcome:
        answer: dict[str, Any] | None = None
        if ran.code == 0:
            try:
                parsed = ran.json()
            except CheckFailure:
                parsed = None
            if isinstance(parsed, dict) and isinstance(parsed.get("ok"), bool):
                answer = parsed
        return Outcome(tuple(args), ran.code, answer, ran.command, ran.tail())

    def call(self, *args: str, timeout: float = RUN_TIMEOUT) -> Outcome:
        return self.outcome(args, self.project.run(list(args), env=self.env, timeout=timeout))

    def run(self, *args: str) -> dict[str, Any]:
        """The answer of one command, which must exit 0 printing one JSON object with a
        boolean ``ok``."""
        ran = self.project.run(list(args), env=self.env, timeout=RUN_TIMEOUT)
        if ran.code != 0:
            raise CheckFailure(
                f"expected `{ran.command}` to exit 0 and print one JSON line (a refusal is "
                f'{{"ok": false, "error": ...}}, still exit 0), it exited {ran.code}: '
                f"{ran.tail()}. {self.repro(args)}"
            )
        answer = ran.json()
        expect(
            isinstance(answer, dict) and isinstance(answer.get("ok"), bool),
            f'expected `{ran.command}` to print a JSON object with a boolean "ok", got '
            f"{str(answer)[:200]!r}. {self.repro(args)}",
        )
        return answer

    def expect_ok(self, *args: str) -> dict[str, Any]:
        answer = self.run(*args)
        expect(
            answer["ok"] is True,
            f'expected `{" ".join(args)}` to succeed ({{"ok": true, ...}}), got {answer}. '
            f"{self.describe(args)} {self.repro(args)}",
        )
        return answer

    def expect_refused(self, error: str, *args: str, why: str) -> dict[str, Any]:
        answer = self.run(*args)
        expect(
            answer == {"ok": False, "error": error}
            or (answer.get("ok") is False and answer.get("error") == error),
            f'expected `{" ".join(args)}` to be refused with {{"ok": false, "error": '
            f'"{error}"}} ({why}), got {answer}. {self.describe(args)} {self.repro(args)}',
        )
        return answer

    def race(
        self,
        commands: Sequence[Sequence[str]],
        *,
        hold: Sequence[tuple[str, Sequence[str]]] = (),
    ) -> list[Outcome]:
        """Run every command at once, each in its own process; the outcomes in command order.

        ``hold`` lists groups of rows, ``(table, ids)``, that the grader locks (each group from
        its own connection) before the processes start; the groups are released one after the
        other, each once every process still running waits on a lock. ``("writes", ())``
        holds the write gate instead: every write to the bank's tables waits for its release.
        """
        from psycopg import sql

        lockers = []
        try:
            for table, ids in hold:
                conn = self.db.connect()
                lockers.append(conn)
                if table == "writes":
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (GATE_KEY,))
                    continue
                conn.execute(
                    sql.SQL("SELECT id FROM {} WHERE id = ANY(%s) ORDER BY id FOR UPDATE").format(
                        sql.Identifier(table)
                    ),
                    (list(ids),),
                )
            with ThreadPoolExecutor(max_workers=len(commands)) as pool:
                futures = [
                    pool.submit(self.project.run, list(args), env=self.env, timeout=RUN_TIMEOUT)
                    for args in commands
                ]
                for conn in lockers:
                    self._all_blocked(futures)
                    conn.commit()
                runs = [f.result() for f in futures]
        finally:
            for conn in lockers:
                conn.close()
        return [self.outcome(args, ran) for args, ran in zip(commands, runs, strict=True)]

    def _all_blocked(self, futures: list[Any]) -> None:
        """Wait until every process still running waits on a lock (polled; bounded only so that
        a very slow machine still finishes the check)."""
        monitor = self.db.connect()
        monitor.autocommit = True
        try:
            deadline = time.monotonic() + SETTLE_LIMIT
            while time.monotonic() < deadline:
                running = sum(not f.done() for f in futures)
                row = monitor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                ).fetchone()
                if (row[0] if row else 0) >= running:
                    return
                time.sleep(0.02)
        finally:
            monitor.close()

    # -- reading the database -----------------------------------------------------------------

    def query(self, statement: str, params: dict[str, Any] | None = None) -> list[tuple]:
        return list(self.db.query(statement, params, source="the grader's check").rows)

    def balances(self) -> dict[str, int]:
        return {r[0]: int(r[1]) for r in self.query("SELECT id, balance FROM accounts")}

    def transfers(self, among: Iterable[str] | None = None) -> list[tuple[int, str, str, int]]:
        """(id, from_id, to_id, amount) of every transfers row (touching ``among`` if given)."""
        rows = [
            (int(r[0]), r[1], r[2], int(r[3]))
            for r in self.query("SELECT id, from_id, to_id, amount FROM transfers ORDER BY id")
        ]
        if among is None:
            return rows
        keep = set(among)
        return [r for r in rows if r[1] in keep or r[2] in keep]

    def on_call(self) -> dict[str, bool]:
        return {r[0]: bool(r[1]) for r in self.query("SELECT id, on_call FROM doctors")}

    def state(self) -> tuple[dict[str, int], list[tuple[int, str, str, int]], dict[str, bool]]:
        return self.balances(), self.transfers(), self.on_call()

    def describe(self, args: Sequence[str]) -> str:
        """The balances now of the accounts a command names, for messages."""
        balances = self.balances()
        shown = ", ".join(f"{a}={balances[a]}" for a in dict.fromkeys(args) if a in balances)
        return f"(balances now: {shown})" if shown else ""

    def mark(self) -> int:
        return int(self.query("SELECT coalesce(max(seq), 0) FROM grader.writes")[0][0])

    def writes_since(self, mark: int) -> list[tuple[int, str, str, str, str]]:
        """(txid, isolation, table, row id, operation) of every write committed since ``mark``."""
        return [
            (int(r[0]), r[1], r[2], r[3], r[4])
            for r in self.query(
                "SELECT txid, isolation, tbl, row_id, op FROM grader.writes "
                "WHERE seq > :mark ORDER BY seq",
                {"mark": mark},
            )
        ]

    # -- faults -------------------------------------------------------------------------------

    def fail_writes(
        self,
        table: str,
        *,
        times: int,
        sqlstate: str,
        message: str,
        row_id: str | None = None,
        direction: str | None = None,
    ) -> None:
        """Make the next ``times`` writes to ``table`` (that row, that direction) fail."""
        self.db.execute("DELETE FROM grader.faults")
        self.db.execute("SELECT setval('grader.fault_hits', 1, false)")
        self.db.execute(
            "INSERT INTO grader.faults (tbl, row_id, direction, sqlstate, message, times) "
            "VALUES (:tbl, :row_id, :direction, :sqlstate, :message, :times)",
            {
                "tbl": table,
                "row_id": row_id,
                "direction": direction,
                "sqlstate": sqlstate,
                "message": message,
                "times": times,
            },
        )

    def clear_faults(self) -> int:
        """Remove the planned failure; how many writes met it (failed or not)."""
        hits = self.fault_hits()
        self.db.execute("DELETE FROM grader.faults")
        return hits

    def fault_hits(self) -> int:
        row = self.query("SELECT last_value, is_called FROM grader.fault_hits")[0]
        return int(row[0]) if row[1] else 0


class BankFactory:
    """``bank.open(name, accounts=..., doctors=...)``: a fresh, seeded bank database."""

    def __init__(self, project: Any, databases: Any, uid: str) -> None:
        self.project = project
        self.databases = databases
        self.uid = uid

    def rng(self, name: str) -> random.Random:
        return random.Random(f"{self.uid}:{name}")

    def open(
        self,
        name: str,
        *,
        accounts: Sequence[Account] = (),
        doctors: Sequence[Doctor] = (),
        settings: dict[str, str] | None = None,
    ) -> Bank:
        rows = [(a.id, a.owner, a.balance) for a in accounts]
        docs = [(d.id, d.name, d.shift, d.on_call) for d in doctors]
        # Rows go in shuffled, so the table's natural order is neither the ids' nor the check's.
        shuffler = self.rng(name + ":order")
        shuffler.shuffle(rows)
        shuffler.shuffle(docs)
        seed = (
            SCHEMA
            + INSTRUMENTS
            + _inserts("accounts", ("id", "owner", "balance"), rows)
            + _inserts("doctors", ("id", "name", "shift", "on_call"), docs)
        )
        db = self.databases.postgres(name, seed)
        for key, value in (settings or {}).items():
            # New connections (every bank command) start with these settings.
            expect(re.fullmatch(r"[a-z_.]+", key) is not None, f"bad setting name {key!r}")
            db.execute(f'ALTER DATABASE "{db.name}" SET {key} = {_sql_literal(value)}')
        return Bank(self.project, db, list(accounts), list(doctors))


@pytest.fixture(scope="session")
def bank(project, databases, uid) -> BankFactory:
    return BankFactory(project, databases, uid)


def account(ids: Ids, balance: int) -> Account:
    key = ids()
    return Account(key, key.split("-")[0].capitalize(), balance)


def doctor(ids: Ids, shift: str, on_call: bool) -> Doctor:
    key = ids("d-")
    return Doctor(key, key.split("-")[1].capitalize(), shift, on_call)


def failed(outcomes: Iterable[Outcome]) -> list[Outcome]:
    """The commands that did not exit 0 with a JSON object holding a boolean ``ok``."""
    return [o for o in outcomes if o.answer is None]


def expect_all_answered(outcomes: list[Outcome], what: str, hint: str, repro: str) -> None:
    bad = failed(outcomes)
    if bad:
        shown = "; ".join(o.brief() for o in bad[:3])
        more = f" (and {len(bad) - 3} more)" if len(bad) > 3 else ""
        raise CheckFailure(
            f"expected every one of the {len(outcomes)} {what} to exit 0 with one JSON line, "
            f"{len(bad)} did not: {shown}{more}. {hint} {repro}"
        )


DECLARATION = re.compile(
    r"^[ \t]*(?:#+|//+|/?\*+|--)[ \t]*isolation[ \t]+(transfer|leave)[ \t]*:[ \t]*"
    r"(read[ \t]+committed|repeatable[ \t]+read|serializable)\b(.*)$",
    re.IGNORECASE | re.MULTILINE,
)
REASON = re.compile(r"\bbecause\b\W+(?:\w+\W+){2,}\w+", re.IGNORECASE)
SOURCE_SUFFIXES = (".py", ".js", ".mjs", ".cjs", ".ts")
SKIP_DIRS = {"node_modules", ".venv", "venv", "__pycache__", ".git", ".learnpath-kept"}
