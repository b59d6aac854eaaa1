"""Shared set-up for the query-tuning graders: one big shop database per grading run.

The session fixture ``tuning`` seeds a fresh PostgreSQL database with about 1,000,000 orders
and 200,500 customers (generated in SQL with ``generate_series``, from a random seed of the
run, so every run has other data), vacuums and analyzes it, then applies the learner's
``indexes.sql`` once and analyzes again. Every check then works on that one database:

- the *original* result of a query is the grader's own copy of the slow query (the starter's
  ``queries/*.sql``), run on the same data without the learner's indexes: in a transaction that
  drops them first and is rolled back;
- the learner's version (``queries/*.sql``, maybe rewritten) must return exactly those rows,
  in that order;
- its plan (``EXPLAIN (ANALYZE, BUFFERS)``) must read the big table through an index the
  learner created, touch few buffers, and sort nothing on disk;
- its speed is compared with the original's without the indexes, run alternately in the same
  minute (never an absolute time).

The learner's queries run with ``work_mem = '64kB'`` (PostgreSQL's minimum), so that a sort an
index could have avoided shows up as a sort on disk; the originals with the server's default.
Both run with ``jit = off`` and custom plans for the actual parameters. The parameters are
chosen per run from the data: customers with thousands of orders and with none, references and
e-mails that match nothing, days whose next midnight holds orders (a closed range counts them),
and a reference and an e-mail that both find the same order (UNION ALL lists it twice).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from learnpath.grading.checks import CheckFailure, expect
from learnpath.grading.sql import Plan, Rows, compare_timing, expect_rows, inline, to_pyformat

CUSTOMERS = 200_000  # customers who order; 500 more signed up and never ordered
NEVER_ORDERED = 500
ORDERS = 1_000_000
STORES = 200
BIG_CUSTOMERS = 20  # business accounts: together about 10% of all orders
DAYS = 730
WORK_MEM = "64kB"
SPEEDUP = 5.0  # at least this many times faster than the original without the indexes
ROUNDS = 3
WAL_BUDGET = 4.0  # inserting into orders may write at most this many times the WAL of no index
WAL_ROWS = 20_000
PARTIAL_SHARE = 0.05  # the pending queue's index: at most this share of the table's size
STATS_WAIT = 5.0  # seconds to wait for index usage statistics to arrive

# The learner's queries run with a small work_mem (a sort an index could avoid spills to
# disk); the originals run with the server's default, as they would in production.
PLAIN_SESSION = "SET jit = off; SET plan_cache_mode = force_custom_plan"
SESSION = f"{PLAIN_SESSION}; SET work_mem = '{WORK_MEM}'"

# -- the data -----------------------------------------------------------------------------------

SEED = """
SELECT setseed({seed});
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
  END IF;
END $$;

CREATE TABLE customers (
    id         integer PRIMARY KEY,
    email      text NOT NULL,
    country    text,
    created_at timestamptz NOT NULL
) WITH (autovacuum_enabled = off);

CREATE TABLE orders (
    id          bigint PRIMARY KEY,
    reference   text NOT NULL,
    customer_id integer NOT NULL,
    store_id    integer NOT NULL,
    status      text NOT NULL
                CHECK (status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),
    total_cents integer NOT NULL,
    placed_at   timestamptz NOT NULL,
    note        text
) WITH (autovacuum_enabled = off);

INSERT INTO customers
SELECT i,
       (ARRAY['Ann','Bob','Cleo','Dev','Emma','Farid','Gita','Hugo','Ines','Jon','Kai','Lena',
              'Mo','Nora','Oskar','Pia'])[1 + (i * 7) % 16]
       || '.' ||
       (ARRAY['Lee','Moreau','Novak','Okafor','Perez','Quinn','Rossi','Sato','Tanaka','Ueda',
              'Varga','Weber','Xu'])[1 + (i * 11) % 13]
       || ((i::bigint * {email_mult}) % 2147483647)::text || '@'
       || (ARRAY['example.com','Mail.test','shop.TEST','post.example'])[1 + (i * 5) % 4],
       CASE WHEN random() < 0.1 THEN NULL
            ELSE (ARRAY['FR','DE','NL','JP','BR','NG','IN','US'])[1 + (i * 3) % 8] END,
       timestamptz '{start}' - interval '400 days' + random() * interval '1100 days'
FROM generate_series(1, {customers}) AS i;

INSERT INTO orders
SELECT i,
       'R' || upper(lpad(to_hex((i * {ref_mult}::bigint + {ref_salt}) % 4294967296), 8, '0')),
       CASE WHEN random() < 0.1 THEN 1 + floor(random() * {big})::int * {big_step}
            ELSE 1 + floor(random() * {buyers})::int END,
       1 + floor(random() * {stores})::int,
       CASE WHEN r < 0.005 THEN 'pending' WHEN r < 0.10 THEN 'paid'
            WHEN r < 0.25 THEN 'shipped' WHEN r < 0.30 THEN 'cancelled'
            ELSE 'delivered' END,
       100 * (1 + floor(random() * 400)::int)
           - (ARRAY[1, 5, 51, 100])[1 + floor(random() * 4)::int],
       CASE WHEN random() < 0.003 THEN date_trunc('day', t) ELSE t END,
       CASE WHEN random() < 0.03
            THEN (ARRAY['leave at the door','gift wrap please','call before delivery'])
                 [1 + floor(random() * 3)::int] END
FROM (
    SELECT i, random() AS r,
           timestamptz '{start}' + floor(random() * {days} * 86400) * interval '1 second' AS t
    FROM generate_series(1, {orders}) AS i
) AS s;
"""

SEED_TAIL = """
INSERT INTO customers
SELECT i, 'new.customer' || i || '@example.com', NULL,
       timestamptz '{start}' + interval '{days} days'
FROM generate_series({customers} + 1, {customers} + {never}) AS i;
"""


@dataclass(frozen=True)
class World:
    """The constants of one run's data."""

    seed: float
    start: dt.date
    email_mult: int
    ref_mult: int
    ref_salt: int
    big_step: int

    @classmethod
    def make(cls, rng: random.Random) -> World:
        return cls(
            seed=round(rng.uniform(-0.99, 0.99), 6),
            start=dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(0, 1200)),
            email_mult=rng.randrange(40_000, 60_000),
            ref_mult=rng.randrange(1 << 30, 1 << 32) | 1,
            ref_salt=rng.randrange(0, 1 << 32),
            big_step=rng.randrange(7_000, 9_999),
        )

    @property
    def big_customers(self) -> list[int]:
        return [1 + k * self.big_step for k in range(BIG_CUSTOMERS)]

    def reference(self, order_id: int) -> str:
        return "R" + format((order_id * self.ref_mult + self.ref_salt) % (1 << 32), "08X")

    def sql(self) -> str:
        values = {
            "seed": self.seed,
            "start": self.start.isoformat(),
            "email_mult": self.email_mult,
            "ref_mult": self.ref_mult,
            "ref_salt": self.ref_salt,
            "big": BIG_CUSTOMERS,
            "big_step": self.big_step,
            "buyers": CUSTOMERS,
            "customers": CUSTOMERS,
            "never": NEVER_ORDERED,
            "stores": STORES,
            "orders": ORDERS,
            "days": DAYS,
        }
        return (SEED + SEED_TAIL).format(**values)


# -- the queries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """One of the slow queries: its file and the original text (the starter's copy)."""

    file: str
    original: str
    tables: tuple[str, ...] = ("orders",)

    @property
    def name(self) -> str:
        return self.file.removeprefix("queries/")


QUERIES: dict[str, Query] = {
    "01": Query(
        "queries/01_order_by_reference.sql",
        """
SELECT id, customer_id, status, total_cents, placed_at
FROM orders
WHERE reference = :reference
""",
    ),
    "02": Query(
        "queries/02_customer_orders.sql",
        """
SELECT id, status, total_cents, placed_at
FROM orders
WHERE customer_id = :customer_id
ORDER BY id
""",
    ),
    "03": Query(
        "queries/03_customer_recent_orders.sql",
        """
SELECT id, status, total_cents, placed_at
FROM orders
WHERE customer_id = :customer_id
  AND placed_at >= :since
ORDER BY placed_at DESC, id DESC
LIMIT 10
""",
    ),
    "04": Query(
        "queries/04_pending_queue.sql",
        """
SELECT id, customer_id, total_cents, placed_at
FROM orders
WHERE status = 'pending'
ORDER BY placed_at, id
LIMIT 50
""",
    ),
    "05": Query(
        "queries/05_orders_between.sql",
        """
SELECT id, customer_id, store_id, total_cents, placed_at
FROM orders
WHERE placed_at >= :from_time
  AND placed_at < :to_time
ORDER BY placed_at, id
""",
    ),
    "06": Query(
        "queries/06_store_revenue.sql",
        """
SELECT count(*) AS orders, coalesce(sum(total_cents), 0) AS revenue_cents
FROM orders
WHERE store_id = :store_id
  AND placed_at >= :from_time
  AND placed_at < :to_time
""",
    ),
    "07": Query(
        "queries/07_customer_totals.sql",
        """
SELECT count(*) AS orders, coalesce(sum(total_cents), 0) AS spent_cents,
       max(placed_at) AS last_order_at
FROM orders
WHERE customer_id = :customer_id
  AND status <> 'cancelled'
""",
    ),
    "08": Query(
        "queries/08_revenue_on_day.sql",
        """
SELECT count(*) AS orders, coalesce(sum(total_cents), 0) AS revenue_cents
FROM orders
WHERE placed_at::date = :day::date
""",
    ),
    "09": Query(
        "queries/09_customer_by_email.sql",
        """
SELECT id, email, country
FROM customers
WHERE lower(email) = lower(:email)
""",
        ("customers",),
    ),
    "10": Query(
        "queries/10_support_search.sql",
        """
SELECT o.id, o.reference, o.status, o.total_cents, c.email
FROM orders AS o
JOIN customers AS c ON c.id = o.customer_id
WHERE o.reference = :reference
   OR lower(c.email) = lower(:email)
ORDER BY o.id
""",
        ("orders", "customers"),
    ),
    "11": Query(
        "queries/11_email_search.sql",
        """
SELECT id, email
FROM customers
WHERE email ILIKE '%' || :term || '%'
ORDER BY id
""",
        ("customers",),
    ),
}


@dataclass
class Case:
    """One set of parameters for a query, and what its plan may cost."""

    label: str
    params: dict[str, Any]
    # the most buffers a good plan reads, from the original's result
    max_blocks: Callable[[Rows], int] = lambda want: 40
    no_sort: bool = False  # no Sort node (an Incremental Sort on a presorted index is fine)
    timed: bool = False  # the case the speed-up is measured on


# -- indexes.sql ------------------------------------------------------------------------------

_OPAQUE = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/", re.S)
_ALLOWED = re.compile(r"^\s*create\s+(unique\s+)?index\b|^\s*create\s+extension\b", re.I)


def statements(text: str) -> list[str]:
    """The statements of an SQL file, split at semicolons outside quotes and comments, with
    the comments removed."""
    out: list[str] = []
    current: list[str] = []

    def code(segment: str) -> None:
        first, *rest = segment.split(";")
        current.append(first)
        for piece in rest:
            out.append("".join(current))
            current[:] = [piece]

    pos = 0
    for m in _OPAQUE.finditer(text):
        code(text[pos : m.start()])
        token = m.group(0)
        current.append(" " if token.startswith(("--", "/*")) else token)
        pos = m.end()
    code(text[pos:])
    out.append("".join(current))
    return [s.strip() for s in out if s.strip()]


def strip_comments(sql: str) -> str:
    """``sql`` without its comments; a comment's line breaks stay."""

    def blank(m: re.Match[str]) -> str:
        token = m.group(0)
        if token.startswith(("--", "/*")):
            return "\n" * token.count("\n") or " "
        return token

    return _OPAQUE.sub(blank, sql)


# -- the run's database ------------------------------------------------------------------------


@dataclass
class LearnerIndex:
    name: str  # as EXPLAIN names it
    qualified: str  # for DROP INDEX
    table: str
    definition: str
    bytes: int
    partial: bool


@dataclass
class Tuning:
    """The seeded database with the learner's indexes, and the run's parameters."""

    db: Any
    world: World
    trgm: bool  # whether pg_trgm is installed on this PostgreSQL
    indexes: dict[str, LearnerIndex]  # by name
    skipped: list[str]  # statements of indexes.sql not run (pg_trgm missing)
    cases: dict[str, list[Case]]
    _conns: dict[str, Any] = field(default_factory=dict)
    _originals: dict[tuple[str, str], Rows] = field(default_factory=dict)

    # -- running -------------------------------------------------------------------------------

    def connection(self, role: str) -> Any:
        """A connection of this run with the grading session's settings: "fast" (autocommit)
        runs the learner's queries, "plain" (transactions) the originals without indexes."""
        conn = self._conns.get(role)
        if conn is None or conn.closed:
            plain = role == "plain"
            conn = open_session(
                self.db.dsn, autocommit=not plain, settings=PLAIN_SESSION if plain else SESSION
            )
            self._conns[role] = conn
        return conn

    def without_indexes(self, fn: Callable[[Any], Any]) -> Any:
        """``fn(conn)`` in a transaction that first drops the learner's indexes; rolled back,
        so the indexes are back afterwards and nothing else changed."""
        conn = self.connection("plain")
        try:
            if self.indexes:
                names = ", ".join(i.qualified for i in self.indexes.values())
                conn.execute(f"DROP INDEX {names}")
            return fn(conn)
        finally:
            conn.rollback()

    def original(self, qid: str, case: Case) -> Rows:
        """The original query's rows on this data, without the learner's indexes."""
        key = (qid, repr(sorted(case.params.items())))
        if key not in self._originals:
            sql = to_pyformat(QUERIES[qid].original)

            def run(conn: Any) -> Rows:
                cur = conn.execute(sql, case.params)
                rows = [tuple(r) for r in cur.fetchall()]
                return Rows([d.name for d in cur.description or []], rows)

            self._originals[key] = self.without_indexes(run)
        return self._originals[key]

    def original_plan(self, qid: str, case: Case) -> Plan:
        sql = to_pyformat(QUERIES[qid].original.strip())

        def run(conn: Any) -> Plan:
            doc = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", case.params)
            top = doc.fetchone()[0][0]
            return Plan(top["Plan"], float(top.get("Execution Time", 0.0)))

        return self.without_indexes(run)

    def sql(self, project: Any, qid: str) -> str:
        """The learner's version of a query: comments blanked out (lines kept, so that error
        positions still match the file), without its final semicolon."""
        return strip_comments(project.sql(QUERIES[qid].file)).strip().rstrip(";").strip()

    # -- messages -------------------------------------------------------------------------------

    def repro(self, sql: str, params: dict[str, Any], *, explain: bool = True) -> str:
        """A psql command reproducing ``sql`` on a copy of this run's data with indexes.sql."""
        statement = " ".join(inline(sql, params).split())
        if explain:
            statement = "EXPLAIN (ANALYZE, BUFFERS) " + statement
        kept = self.db.kept.name if self.db.kept else f"{self.db.name}.sql"
        command = (
            f'psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f .learnpath-kept/{kept} -f indexes.sql '
            f"-c 'VACUUM ANALYZE' -c \"SET work_mem = '{WORK_MEM}'\" -c {shlex.quote(statement)}"
        )
        if self.db.kept is None:
            return (
                "reproduce: `learnpath grade --keep` keeps this run's data; then, with "
                f"`learnpath run .` printing a DATABASE_URL: {command}"
            )
        return f"reproduce (with `learnpath run .` printing a DATABASE_URL): {command}"

    # -- the check of one query -----------------------------------------------------------------

    def check(self, project: Any, qid: str, *, index_only: bool = False) -> None:
        """For every case: the original's rows in the original's order, a plan through the
        learner's indexes that reads few buffers and sorts nothing on disk; then a speed-up
        over the original without the indexes."""
        query = QUERIES[qid]
        sql = self.sql(project, qid)
        cases = self.cases[qid]
        for case in cases:
            want = self.original(qid, case)
            got = self.db.query(sql, case.params, source=query.file)
            expect_rows(
                got,
                want.rows,
                ordered=True,
                columns=len(want.columns),
                what=(
                    f"{query.name} ({case.label}): the rows the original query returns on "
                    "the same data, in the same order"
                ),
            )
            plan = self.db.explain(sql, case.params)
            self.check_plan(qid, sql, case, plan, want, index_only=index_only)
        timed = next((c for c in cases if c.timed), cases[0])
        self.check_speed(qid, sql, timed)

    def check_plan(
        self, qid: str, sql: str, case: Case, plan: Plan, want: Rows, *, index_only: bool
    ) -> None:
        query = QUERIES[qid]
        where = f"{query.name} ({case.label})"
        shown = f"Your plan: {plan.text}. {self.repro(sql, case.params)}"
        if not self.indexes:
            shown = f"indexes.sql creates no index yet. {shown}"
        for table in query.tables:
            scans = plan.scans_of(table)
            expect(
                "Seq Scan" not in scans,
                f"{where}: expected no Seq Scan on {table} (it reads all of the table's "
                f"rows); the plan reads {table} with {', '.join(scans)}. {shown}",
            )
        mine = sorted(plan.index_names & set(self.indexes))
        expect(
            mine,
            f"{where}: expected the plan to use an index your indexes.sql creates "
            f"({', '.join(sorted(self.indexes)) or 'it creates none'}); it uses "
            f"{', '.join(sorted(plan.index_names)) or 'no index'}. {shown}",
        )
        if index_only:
            kinds = sorted({n["Node Type"] for n in plan.nodes if n.get("Relation Name")})
            expect(
                kinds == ["Index Only Scan"],
                f"{where}: expected an Index Only Scan, which answers from the index alone "
                f"because every column the query touches is in it; the plan reads orders with "
                f"{', '.join(kinds)}. Filtered columns go in the key, the other columns the "
                f"query reads in INCLUDE (...). {shown}",
            )
            expect(
                plan.heap_fetches == 0,
                f"{where}: expected an Index Only Scan with 0 heap fetches (the table is "
                f"vacuumed), got {plan.heap_fetches}. {shown}",
            )
        if case.no_sort:
            sorts = [n for n in plan.nodes if n["Node Type"] == "Sort"]
            expect(
                not sorts,
                f"{where}: expected no Sort step: an index on the equality columns followed by "
                f"the ORDER BY column hands the rows over in order, and LIMIT stops after the "
                f"first ones; the plan reads {_child_rows(sorts)} row(s) to sort them. {shown}",
            )
        spilled = plan.spilled_sorts
        expect(
            not spilled,
            f"{where}: expected no sort on disk with work_mem = '{WORK_MEM}'; the plan sorts "
            f"{_child_rows(spilled)} row(s) on disk. An index in the ORDER BY's order needs "
            f"no sort. {shown}",
        )
        budget = case.max_blocks(want)
        if plan.shared_blocks > budget:
            before = self.original_plan(qid, case)
            raise CheckFailure(
                f"{where}: expected at most {budget} buffers (8 kB pages) read for "
                f"{len(want.rows)} row(s); the plan read {plan.shared_blocks} (the original "
                f"query without your indexes reads {before.shared_blocks}). An index that fits "
                f"reads only the entries that match: equality columns first, then the range "
                f"or ORDER BY column. {shown}"
            )

    def check_speed(self, qid: str, sql: str, case: Case) -> None:
        query = QUERIES[qid]
        fast_sql = to_pyformat(sql)
        slow_sql = to_pyformat(query.original)
        conn = self.connection("fast")

        # The rows arrive in full (libpq waits for the whole result) but are not turned into
        # Python objects: the time is the server's and the network's, alike for both.
        def fast() -> object:
            return conn.execute(fast_sql, case.params)

        def baseline() -> object:
            return self.without_indexes(lambda c: c.execute(slow_sql, case.params))

        timing = compare_timing(fast, baseline, rounds=ROUNDS)
        expect(
            timing.ratio >= SPEEDUP,
            f"{query.name} ({case.label}): expected your version with your indexes to run at "
            f"least {SPEEDUP:g}x as fast as the original query without them (medians of "
            f"{ROUNDS} alternate runs each); it ran {timing.ratio:.1f}x as fast "
            f"({timing.fast_ms:.1f} ms against {timing.baseline_ms:.1f} ms). "
            f"{self.repro(sql, case.params)}",
        )

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()


def open_session(dsn: str, *, autocommit: bool = True, settings: str = SESSION) -> Any:
    """A connection with the grading session's settings and no server-side prepared
    statements (a generic plan would hide what a parameter's value allows)."""
    import psycopg

    conn = psycopg.connect(dsn, autocommit=autocommit, prepare_threshold=None)
    conn.execute(settings)
    if not autocommit:
        conn.commit()
    return conn


def _child_rows(nodes: list[dict[str, Any]]) -> str:
    if not nodes:
        return "0"
    child = (nodes[0].get("Plans") or [{}])[0]
    return str(child.get("Actual Rows", nodes[0].get("Actual Rows", "?")))


# -- building it -------------------------------------------------------------------------------

INDEXES = """
SELECT i.indexrelid::regclass::text AS qualified, c.relname AS name, t.relname AS tbl,
       pg_get_indexdef(i.indexrelid) AS def, pg_relation_size(i.indexrelid) AS bytes,
       i.indpred IS NOT NULL AS partial
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = 'public'
"""


def _indexes(db: Any) -> dict[str, dict[str, Any]]:
    return {r["qualified"]: r for r in db.query(INDEXES).dicts()}


def _apply_indexes(db: Any, project: Any, trgm: bool) -> list[str]:
    """Run indexes.sql one statement at a time (autocommit, so that CREATE INDEX CONCURRENTLY
    works too); return the statements skipped because pg_trgm is not installed."""
    import psycopg

    found = statements(project.read("indexes.sql"))
    for stmt in found:
        expect(
            _ALLOWED.match(stmt),
            "indexes.sql may only create indexes (CREATE INDEX ... ON ...; CREATE EXTENSION "
            f"is allowed too), and it holds {' '.join(stmt.split())[:200]!r}: a query you "
            "rewrite goes in its queries/*.sql file",
        )
    skipped: list[str] = []
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        for stmt in found:
            if not trgm and re.search(r"_trgm_ops|pg_trgm", stmt, re.I):
                skipped.append(stmt)
                continue
            try:
                conn.execute(stmt.encode("utf-8"))
            except psycopg.Error as exc:
                text = str(exc).strip().splitlines()
                state = f" (SQLSTATE {exc.sqlstate})" if exc.sqlstate else ""
                raise CheckFailure(
                    f"indexes.sql failed on PostgreSQL: {text[0] if text else 'error'}{state}, "
                    f"in the statement {' '.join(stmt.split())[:300]!r}. reproduce: "
                    "`learnpath grade --keep` keeps this run's data; then, with `learnpath run .` "
                    f'printing a DATABASE_URL: psql "$DATABASE_URL" -v ON_ERROR_STOP=1 '
                    f"-f .learnpath-kept/{db.name}.sql -f indexes.sql"
                ) from None
        conn.execute("ANALYZE")
    return skipped


def _term(email: str, rng: random.Random) -> str:
    """A piece of an e-mail's name and number in other letter case, found by ILIKE '%...%'."""
    match = re.match(r"(.*?)(\d+)$", email.split("@", maxsplit=1)[0])
    assert match is not None
    name, digits = match.groups()
    piece = name[-3:] + digits[:5]
    return piece.swapcase() if rng.random() < 0.5 else piece.upper()


def _scramble_case(text: str, rng: random.Random) -> str:
    scrambled = "".join(ch.upper() if rng.random() < 0.5 else ch.lower() for ch in text)
    return scrambled if scrambled != text else text.swapcase()


def _per_row(k: int, extra: int) -> Callable[[Rows], int]:
    """A budget of ``k`` buffers per row returned plus ``extra``."""
    return lambda want: k * len(want.rows) + extra


def _per_order(k: int, extra: int) -> Callable[[Rows], int]:
    """A budget of ``k`` buffers per order counted (the first column) plus ``extra``."""
    return lambda want: k * int(want.rows[0][0] or 0) + extra


def _fixed(n: int) -> Callable[[Rows], int]:
    return lambda want: n


def choose_cases(db: Any, world: World, rng: random.Random) -> dict[str, list[Case]]:
    """Parameters for every query, chosen from this run's data."""
    big = rng.choice(world.big_customers)
    candidates = rng.sample(range(2, CUSTOMERS), 150)
    counts = db.query(
        "SELECT customer_id, count(*) AS n, min(id) AS first_order, max(id) AS last_order "
        "FROM orders WHERE customer_id = ANY(:ids) GROUP BY customer_id",
        {"ids": candidates},
    ).rows
    by_id = {r[0]: r for r in counts}
    usable = [by_id[c] for c in candidates if c in by_id and 4 <= by_id[c][1] <= 12]
    if len(usable) < 2:  # never seen: 4 to 12 orders is the common case
        usable = sorted(counts, key=lambda r: -r[1])[:2]
    small_a, small_b = usable[0], usable[1]
    nobody = CUSTOMERS + rng.randrange(1, NEVER_ORDERED + 1)
    emails = dict(
        db.query(
            "SELECT id, email FROM customers WHERE id = ANY(:ids)",
            {"ids": [small_a[0], small_b[0]]},
        ).rows
    )
    email_a = emails[small_a[0]]

    # Midnights (in the session's time zone) that hold orders: [m1, m2) is one whole day with
    # orders exactly on both edges.
    midnights = db.query(
        "SELECT placed_at, placed_at::date AS day FROM orders "
        "WHERE placed_at = date_trunc('day', placed_at) GROUP BY placed_at ORDER BY placed_at"
    ).rows
    moments = [m for m, _ in midnights]
    pairs = [
        i
        for i in range(len(moments) // 6, 5 * len(moments) // 6)
        if dt.timedelta(hours=23) <= moments[i + 1] - moments[i] <= dt.timedelta(hours=25)
    ]
    i = rng.choice(pairs)
    m1, m2, day = moments[i], moments[i + 1], midnights[i][1]
    first, last = moments[0], moments[-1]

    reference = world.reference(rng.randrange(1, ORDERS + 1))
    absent = world.reference(ORDERS + rng.randrange(1, 10_000))
    store = rng.randrange(1, STORES + 1)
    term = _term(email_a, rng)
    return {
        "01": [
            Case("an existing reference", {"reference": reference}, _fixed(20), timed=True),
            Case("a reference no order has", {"reference": absent}, _fixed(20)),
        ],
        "02": [
            Case(
                f"customer {small_a[0]}, {small_a[1]} orders",
                {"customer_id": small_a[0]},
                _per_row(2, 20),
                timed=True,
            ),
            Case(f"customer {small_b[0]}", {"customer_id": small_b[0]}, _per_row(2, 20)),
            Case(f"customer {nobody}, who never ordered", {"customer_id": nobody}, _fixed(20)),
        ],
        "03": [
            Case(
                f"customer {big}, who has thousands of orders",
                {"customer_id": big, "since": last - dt.timedelta(days=120)},
                _fixed(60),
                no_sort=True,
                timed=True,
            ),
            Case(
                f"customer {small_a[0]}, since before the first order",
                {"customer_id": small_a[0], "since": first - dt.timedelta(days=2)},
                _fixed(60),
            ),
            Case(
                f"customer {nobody}, who never ordered",
                {"customer_id": nobody, "since": first},
                _fixed(60),
            ),
        ],
        "04": [Case("the oldest pending orders", {}, _fixed(150), no_sort=True, timed=True)],
        "05": [
            Case(
                f"from {m1.isoformat()} to {m2.isoformat()}",
                {"from_time": m1, "to_time": m2},
                _per_row(2, 60),
                timed=True,
            )
        ],
        "06": [
            Case(
                f"store {store}, about six months",
                {
                    "store_id": store,
                    "from_time": m1 - dt.timedelta(days=150),
                    "to_time": m1 + dt.timedelta(days=33),
                },
                _fixed(60),
                timed=True,
            ),
            Case(
                "a store with no orders",
                {"store_id": STORES + 7, "from_time": first, "to_time": last},
                _fixed(20),
            ),
        ],
        "07": [
            Case(
                f"customer {big}, who has thousands of orders",
                {"customer_id": big},
                _fixed(100),
                timed=True,
            ),
            Case(f"customer {small_a[0]}", {"customer_id": small_a[0]}, _fixed(20)),
            Case(f"customer {nobody}, who never ordered", {"customer_id": nobody}, _fixed(20)),
        ],
        "08": [
            Case(f"the day {day}", {"day": day}, _per_order(2, 60), timed=True),
            Case(
                "a day before the first order",
                {"day": world.start - dt.timedelta(days=30)},
                _fixed(40),
            ),
        ],
        "09": [
            Case(
                "an e-mail typed in other letter case",
                {"email": _scramble_case(email_a, rng)},
                _fixed(20),
                timed=True,
            ),
            Case("an e-mail no customer has", {"email": "nobody." + email_a}, _fixed(20)),
        ],
        "10": [
            Case(
                "a reference of one of the customer's orders, and the customer's e-mail",
                {"reference": world.reference(small_a[2]), "email": email_a.upper()},
                _per_row(3, 60),
                timed=True,
            ),
            Case(
                "a reference, and an e-mail no customer has",
                {"reference": world.reference(small_b[3]), "email": "nobody." + email_a.lower()},
                _per_row(3, 60),
            ),
        ],
        "11": [
            Case(f"the text {term!r}", {"term": term}, _per_row(4, 250), timed=True),
            Case("a text no e-mail holds", {"term": "qxzq"}, _per_row(4, 250)),
        ],
    }


def vacuum(conn: Any) -> None:
    """VACUUM ANALYZE the seeded tables until every page is all-visible (an index-only scan
    then reads no table page). A transaction open elsewhere in the database, such as an
    autovacuum worker analyzing a catalog, can keep a first VACUUM from marking them."""
    conn.execute("VACUUM (ANALYZE) orders, customers")
    for _ in range(50):
        behind = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relname IN ('orders', 'customers') "
            "AND relallvisible < relpages"
        ).fetchone()[0]
        if not behind:
            return
        time.sleep(0.2)
        conn.execute("VACUUM orders, customers")


@pytest.fixture(scope="session")
def tuning(databases, project, uid):
    """The run's big database with the learner's indexes (see the module docstring)."""
    import psycopg

    rng = random.Random(f"query-tuning-{uid}")
    world = World.make(rng)
    db = databases.postgres("shop", seed=world.sql())
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        vacuum(conn)
    db.execute(f"SET work_mem = '{WORK_MEM}'")
    db.execute("SET jit = off")
    db.execute("SET plan_cache_mode = force_custom_plan")
    trgm = bool(db.query("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").rows)
    cases = choose_cases(db, world, rng)
    before = _indexes(db)
    skipped = _apply_indexes(db, project, trgm)
    learner = {
        r["name"]: LearnerIndex(
            r["name"], r["qualified"], r["tbl"], r["def"], int(r["bytes"]), bool(r["partial"])
        )
        for qualified, r in _indexes(db).items()
        if qualified not in before
    }
    tuned = Tuning(db, world, trgm, learner, skipped, cases)
    yield tuned
    tuned.close()


def need_trgm(tuning: Tuning) -> None:
    """Skip a check that needs pg_trgm where this PostgreSQL does not have it."""
    if not tuning.trgm:
        skipped = (
            f" (not run from indexes.sql: {tuning.skipped[0][:120]!r})" if tuning.skipped else ""
        )
        pytest.skip(
            "not checked: the pg_trgm extension is not installed on this PostgreSQL; install "
            f"your distribution's PostgreSQL contrib package (e.g. postgresql-contrib){skipped}"
        )
