"""Graders' tools for exercises graded from SQL: throwaway databases, result comparison,
refused statements, query plans, statement counts and relative timing.

``databases`` (a fixture) makes fresh SQLite files and PostgreSQL databases, seeded; every
failure says which of the learner's files failed, on which database, what the database said,
and gives a command reproducing it against a kept copy of the seeded database (``learnpath
grade --keep`` keeps them in ``<project>/.learnpath-kept/``). psycopg is imported only here.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import decimal
import itertools
import re
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from learnpath.grading.checks import CheckFailure
from learnpath.grading.files import KEEP_FOLDER

SHOW_ROWS = 5  # missing / unexpected rows shown in a failure
SHOW_STATEMENT = 400  # characters of a statement in a message
# SQLite reports constraint failures in words; these are PostgreSQL's codes for the same rules.
SQLITE_STATES = (
    ("UNIQUE constraint failed", "23505"),
    ("FOREIGN KEY constraint failed", "23503"),
    ("CHECK constraint failed", "23514"),
    ("NOT NULL constraint failed", "23502"),
)
STATE_NAMES = {
    "23505": "unique_violation",
    "23503": "foreign_key_violation",
    "23514": "check_violation",
    "23502": "not_null_violation",
    "23P01": "exclusion_violation",
    "25006": "read_only_sql_transaction",
    "40001": "serialization_failure",
    "40P01": "deadlock_detected",
    "55P03": "lock_not_available",
    "57014": "query_canceled",
}
# Quoted text, quoted identifiers, dollar-quoted bodies and comments: no placeholders in them.
_OPAQUE = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|(\$[A-Za-z_0-9]*\$).*?\1|--[^\n]*|/\*.*?\*/", re.S
)
_TRANSACTION_CONTROL = re.compile(r"(^|;)\s*(BEGIN|COMMIT|END|ROLLBACK)\b", re.I)
_PLACEHOLDER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def _state_name(code: str) -> str:
    name = STATE_NAMES.get(code)
    return f"{code} {name}" if name else code


def _short(sql: str, n: int = SHOW_STATEMENT) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def literal(value: Any) -> str:
    """``value`` as an SQL literal, for a statement a learner pastes into psql or sqlite3."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | decimal.Decimal):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def inline(sql: str, params: dict[str, Any] | None) -> str:
    """``sql`` with its ``:name`` placeholders replaced by literals (for repro commands)."""
    if not params:
        return sql
    return _map_code(sql, lambda code: _PLACEHOLDER.sub(lambda m: _inline_one(m, params), code))


def _inline_one(m: re.Match[str], params: dict[str, Any]) -> str:
    return literal(params[m.group(1)]) if m.group(1) in params else m.group(0)


def _map_code(sql: str, fn: Callable[[str], str]) -> str:
    """Apply ``fn`` to the parts of ``sql`` outside quotes and comments."""
    out: list[str] = []
    pos = 0
    for m in _OPAQUE.finditer(sql):
        out.append(fn(sql[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(fn(sql[pos:]))
    return "".join(out)


def strip_comments(sql: str) -> str:
    """``sql`` without its comments (a one-line statement must not end inside one)."""
    out: list[str] = []
    pos = 0
    for m in _OPAQUE.finditer(sql):
        out.append(sql[pos : m.start()])
        if not m.group(0).startswith(("--", "/*")):
            out.append(m.group(0))
        pos = m.end()
    out.append(sql[pos:])
    return "".join(out)


def placeholders(sql: str) -> list[str]:
    """The ``:name`` placeholders ``sql`` uses, in order of first use."""
    found: list[str] = []

    def collect(code: str) -> str:
        found.extend(_PLACEHOLDER.findall(code))
        return code

    _map_code(sql, collect)
    return list(dict.fromkeys(found))


def to_pyformat(sql: str) -> str:
    """``:name`` placeholders as psycopg's ``%(name)s`` (``%`` doubled everywhere)."""
    escaped = sql.replace("%", "%%")
    return _map_code(escaped, lambda code: _PLACEHOLDER.sub(r"%(\1)s", code))


# -- results ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Rows:
    """What a query returned, and where it came from (for messages)."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    statement: str = ""
    params: dict[str, Any] | None = None
    source: str | None = None
    database: Database | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Any:
        return iter(self.rows)

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=False)) for row in self.rows]

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows and self.rows[0] else None

    def where(self) -> str:
        """'queries/03.sql on PostgreSQL (database shop_1)' and a repro line."""
        if self.database is None:
            return self.source or "the statement"
        return self.database.describe(self.statement, self.params, self.source)


def normalize(value: Any) -> Any:
    """Numbers by value (Decimal 3 == 3.0 == 3, non-integers to 2 places), bytes as bytes."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | decimal.Decimal):
        if value == int(value):
            return int(value)
        return round(float(value), 2)
    if isinstance(value, memoryview):
        return value.tobytes()
    return value


def _norm_row(row: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(normalize(v) for v in row)


def _show(row: tuple[Any, ...]) -> str:
    def one(v: Any) -> str:
        if isinstance(v, dt.date | dt.datetime):
            return v.isoformat()
        return repr(v)

    return "(" + ", ".join(one(v) for v in row) + ")"


def expect_rows(
    got: Rows,
    want: Iterable[Iterable[Any]],
    *,
    ordered: bool,
    what: str,
    columns: int | None = None,
) -> None:
    """``got`` holds exactly the rows ``want`` (in that order when ``ordered``); a failure
    shows missing and unexpected rows, counts, the statement and a repro command."""
    expected = [_norm_row(r) for r in want]
    actual = [_norm_row(r) for r in got.rows]
    where = got.where()
    if columns is not None and got.columns and len(got.columns) != columns:
        raise CheckFailure(
            f"{what}: expected {columns} column(s), got {len(got.columns)} "
            f"({', '.join(got.columns)}). {where}"
        )
    missing = collections.Counter(expected) - collections.Counter(actual)
    extra = collections.Counter(actual) - collections.Counter(expected)
    if missing or extra:
        parts = [f"{what}: expected {len(expected)} row(s), got {len(actual)}"]
        if missing:
            rows = list(missing.elements())
            shown = ", ".join(_show(r) for r in rows[:SHOW_ROWS])
            more = f" and {len(rows) - SHOW_ROWS} more" if len(rows) > SHOW_ROWS else ""
            parts.append(f"missing {shown}{more}")
        if extra:
            rows = list(extra.elements())
            shown = ", ".join(_show(r) for r in rows[:SHOW_ROWS])
            more = f" and {len(rows) - SHOW_ROWS} more" if len(rows) > SHOW_ROWS else ""
            parts.append(f"not expected {shown}{more}")
        raise CheckFailure("; ".join(parts) + f". {where}")
    if ordered and actual != expected:
        i = next(i for i, (a, b) in enumerate(zip(actual, expected, strict=True)) if a != b)
        raise CheckFailure(
            f"{what}: the right rows in the wrong order: row {i + 1} should be "
            f"{_show(expected[i])}, got {_show(actual[i])} (expected order begins "
            f"{', '.join(_show(r) for r in expected[max(0, i - 1) : i + 2])}). {where}"
        )


# -- plans --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Plan:
    """A PostgreSQL plan from ``EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)``."""

    root: dict[str, Any]
    execution_ms: float = 0.0
    planning_ms: float = 0.0

    @property
    def nodes(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        stack = [self.root]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(node.get("Plans") or []))
        return out

    @property
    def node_types(self) -> set[str]:
        return {n["Node Type"] for n in self.nodes}

    @property
    def index_names(self) -> set[str]:
        return {n["Index Name"] for n in self.nodes if n.get("Index Name")}

    def scans_of(self, relation: str) -> list[str]:
        """The scan node types reading ``relation`` (e.g. ['Seq Scan'])."""
        return [n["Node Type"] for n in self.nodes if n.get("Relation Name") == relation]

    @property
    def rows_removed_by_filter(self) -> int:
        return sum(
            int(n.get("Rows Removed by Filter", 0)) * max(1, int(n.get("Actual Loops", 1)))
            for n in self.nodes
        )

    @property
    def heap_fetches(self) -> int:
        return sum(int(n.get("Heap Fetches", 0)) for n in self.nodes)

    @property
    def shared_blocks(self) -> int:
        return int(self.root.get("Shared Hit Blocks", 0)) + int(
            self.root.get("Shared Read Blocks", 0)
        )

    @property
    def spilled_sorts(self) -> list[dict[str, Any]]:
        return [n for n in self.nodes if n.get("Sort Space Type") == "Disk"]

    @property
    def text(self) -> str:
        """The plan as indented lines, like EXPLAIN's text format (for messages)."""
        lines: list[str] = []

        def walk(node: dict[str, Any], depth: int) -> None:
            label = node["Node Type"]
            if node.get("Index Name"):
                label += f" using {node['Index Name']}"
            if node.get("Relation Name"):
                label += f" on {node['Relation Name']}"
            facts = [f"rows={node.get('Actual Rows', node.get('Plan Rows'))}"]
            if node.get("Rows Removed by Filter"):
                facts.append(f"removed by filter={node['Rows Removed by Filter']}")
            if node.get("Sort Space Type"):
                facts.append(f"sort={node.get('Sort Method')} ({node['Sort Space Type']})")
            lines.append(f"{'  ' * depth}-> {label} ({', '.join(facts)})")
            for child in node.get("Plans") or []:
                walk(child, depth + 1)

        walk(self.root, 0)
        return " | ".join(line.strip() for line in lines)


@dataclass(frozen=True, slots=True)
class Timing:
    fast_ms: float
    baseline_ms: float

    @property
    def ratio(self) -> float:
        """How many times faster ``fast`` ran than the baseline."""
        return self.baseline_ms / max(self.fast_ms, 1e-3)


def compare_timing(
    fast: Callable[[], object], baseline: Callable[[], object], *, rounds: int = 7
) -> Timing:
    """Median times of ``fast`` and ``baseline``, run alternately in the same minute so that a
    busy machine slows both alike; judge only their ratio, never an absolute time."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(max(1, rounds)):
        for fn, out in ((baseline, b), (fast, a)):
            t0 = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t0) * 1000)
    return Timing(statistics.median(a), statistics.median(b))


# -- databases ----------------------------------------------------------------------------------


class Database:
    """One fresh database of a grading run (see :class:`Databases`)."""

    kind = ""
    label = ""

    def __init__(self, name: str, keep_dir: Path | None):
        self.name = name
        self.keep_dir = keep_dir
        self.kept: Path | None = None

    # The engine-specific parts.
    def _run(self, sql: str, params: dict[str, Any] | None, fetch: bool) -> Rows | int:
        raise NotImplementedError

    def _script(self, sql: str) -> None:
        raise NotImplementedError

    def _refused(self, sql: str, params: dict[str, Any] | None) -> tuple[str, str, str] | None:
        """Run ``sql`` in a transaction that is rolled back; None if it succeeded, else
        (SQLSTATE, constraint name or "", message)."""
        raise NotImplementedError

    def connect(self) -> Any:
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def _keep(self) -> Path:
        raise NotImplementedError

    def _repro_command(self, statement: str) -> str:
        raise NotImplementedError

    def _repro_file(self, source: str) -> str:
        raise NotImplementedError

    def _error(self, exc: Exception) -> str:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__

    # -- public ---------------------------------------------------------------------------------

    def keep(self) -> Path | None:
        """Keep a copy of the database as it is now (with ``--keep``); where it went."""
        if self.keep_dir is None:
            return None
        self.keep_dir.mkdir(parents=True, exist_ok=True)
        self.kept = self._keep()
        return self.kept

    def repro(
        self, sql: str, params: dict[str, Any] | None = None, source: str | None = None
    ) -> str:
        """A command reproducing ``sql`` against the kept copy: the learner's file itself when
        it ran as written, else the statement with its parameters filled in."""
        if source and source.endswith(".sql") and not params and "grader" not in source:
            command = self._repro_file(source)
        else:
            command = self._repro_command(_short(strip_comments(inline(sql, params)), 2000))
        if self.kept is None:
            return (
                "reproduce: run `learnpath grade --keep` to keep this seeded database, then "
                + command
            )
        return "reproduce: " + command

    def describe(self, sql: str, params: dict[str, Any] | None, source: str | None) -> str:
        what = source or "the statement"
        return (
            f"{what} ran on {self.label} (database {self.name}): "
            f"{_short(strip_comments(inline(sql, params)))} — {self.repro(sql, params, source)}"
        )

    def _check_params(self, sql: str, params: dict[str, Any] | None, source: str | None) -> None:
        used = placeholders(sql)
        unknown = [p for p in used if p not in (params or {})]
        if unknown:
            given = ", ".join(f":{k}" for k in params or {}) or "none"
            raise CheckFailure(
                f"{source or 'the statement'} uses the placeholder(s) "
                f"{', '.join(':' + u for u in unknown)}, which the task does not define "
                f"(the grader passes: {given})"
            )

    def query(
        self, sql: str, params: dict[str, Any] | None = None, *, source: str | None = None
    ) -> Rows:
        """Run one statement and return its rows."""
        self._check_params(sql, params, source)
        try:
            result = self._run(sql, params, True)
        except CheckFailure:
            raise
        except Exception as exc:  # the driver's error: the learner's statement failed
            raise CheckFailure(self._failed(sql, params, source, exc)) from None
        assert isinstance(result, Rows)
        result.statement, result.params, result.source, result.database = (
            sql,
            params,
            source,
            self,
        )
        return result

    def execute(
        self, sql: str, params: dict[str, Any] | None = None, *, source: str | None = None
    ) -> int:
        """Run one statement (committed); the number of rows it changed."""
        self._check_params(sql, params, source)
        try:
            result = self._run(sql, params, False)
        except Exception as exc:
            raise CheckFailure(self._failed(sql, params, source, exc)) from None
        assert isinstance(result, int)
        return result

    def script(self, sql: str, *, source: str | None = None) -> None:
        """Run several statements (a schema, a migration), committed together."""
        try:
            self._script(sql)
        except Exception as exc:
            raise CheckFailure(self._failed(sql, None, source, exc)) from None

    def _failed(
        self, sql: str, params: dict[str, Any] | None, source: str | None, exc: Exception
    ) -> str:
        state = getattr(exc, "sqlstate", None)
        code = f" (SQLSTATE {_state_name(state)})" if state else ""
        line = _error_line(sql, exc)
        at = f" at line {line}" if line else ""
        return (
            f"{source or 'the statement'} failed on {self.label}{at}: {self._error(exc)}{code}. "
            f"{self.describe(sql, params, source)}"
        )

    def expect_violation(
        self,
        sql: str,
        params: dict[str, Any] | None = None,
        *,
        sqlstate: str | Iterable[str],
        rule: str,
        constraint: str | None = None,
        source: str | None = None,
    ) -> None:
        """The database itself must refuse ``sql`` (nothing it does is kept)."""
        wanted = {sqlstate} if isinstance(sqlstate, str) else set(sqlstate)
        self._check_params(sql, params, source)
        refused = self._refused(sql, params)
        expected = " or ".join(_state_name(s) for s in sorted(wanted))
        if refused is None:
            raise CheckFailure(
                f"expected the database to enforce: {rule} — refusing the statement with "
                f"SQLSTATE {expected}, but it succeeded. {self.describe(sql, params, source)}"
            )
        state, name, message = refused
        if state not in wanted:
            raise CheckFailure(
                f"expected the database to enforce: {rule} (SQLSTATE {expected}); the statement "
                f"failed for another reason: {message} (SQLSTATE {_state_name(state) or '?'}). "
                f"{self.describe(sql, params, source)}"
            )
        if constraint is not None and name and name != constraint:
            raise CheckFailure(
                f"expected the constraint {constraint} to refuse the statement ({rule}); "
                f"{name} did. {self.describe(sql, params, source)}"
            )


def _error_line(sql: str, exc: Exception) -> int | None:
    diag = getattr(exc, "diag", None)
    pos = getattr(diag, "statement_position", None) if diag is not None else None
    if not pos:
        return None
    try:
        return sql[: int(pos)].count("\n") + 1
    except ValueError:
        return None


class SqliteDatabase(Database):
    kind = "sqlite"
    label = "SQLite"

    def __init__(self, name: str, path: Path, keep_dir: Path | None):
        super().__init__(name, keep_dir)
        self.path = path
        self._conn = self.connect()

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=10)
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def close(self) -> None:
        self._conn.close()

    def _run(self, sql: str, params: dict[str, Any] | None, fetch: bool) -> Rows | int:
        conn = self._conn
        conn.execute("BEGIN")
        try:
            cur = conn.execute(sql, params or {})
            rows = cur.fetchall() if cur.description else []
            columns = [d[0] for d in cur.description or []]
            changed = cur.rowcount
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return Rows(columns, [tuple(r) for r in rows]) if fetch else max(changed, 0)

    def _script(self, sql: str) -> None:
        conn = self._conn
        # executescript commits first and runs each statement; wrap it so a failing script
        # leaves nothing half-done, as on PostgreSQL (unless it says BEGIN and COMMIT itself).
        own = _TRANSACTION_CONTROL.search(strip_comments(sql))
        try:
            conn.executescript(sql if own else f"BEGIN;\n{sql}\n;COMMIT;")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _refused(self, sql: str, params: dict[str, Any] | None) -> tuple[str, str, str] | None:
        conn = self._conn
        conn.execute("BEGIN")
        try:
            conn.execute(sql, params or {})
        except sqlite3.Error as exc:
            message = self._error(exc)
            state = next((code for text, code in SQLITE_STATES if text in message), "")
            return state, "", message
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        return None

    def schema(self) -> dict[str, Any]:
        rows = self._conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
        ).fetchall()
        return {f"{kind} {name}": " ".join((sql or "").split()) for kind, name, _table, sql in rows}

    def _keep(self) -> Path:
        assert self.keep_dir is not None
        target = self.keep_dir / f"{self.name}.db"
        target.unlink(missing_ok=True)
        backup = sqlite3.connect(target)
        try:
            self._conn.backup(backup)
        finally:
            backup.close()
        return target

    def _repro_command(self, statement: str) -> str:
        kept = self.kept.name if self.kept else f"{self.name}.db"
        return (
            f"cp {KEEP_FOLDER}/{kept} repro.db && sqlite3 repro.db "
            f"{shlex.quote('PRAGMA foreign_keys=ON; ' + statement)}"
        )

    def _repro_file(self, source: str) -> str:
        kept = self.kept.name if self.kept else f"{self.name}.db"
        return (
            f"cp {KEEP_FOLDER}/{kept} repro.db && sqlite3 -cmd 'PRAGMA foreign_keys=ON' "
            f"repro.db < {shlex.quote(source)}"
        )


class PostgresDatabase(Database):
    kind = "postgresql"
    label = "PostgreSQL"

    def __init__(self, name: str, dsn: str, bindir: str, keep_dir: Path | None):
        super().__init__(name, keep_dir)
        self.dsn = dsn
        self.bindir = bindir
        self._conn = self._open(autocommit=True)

    def _open(self, *, autocommit: bool) -> Any:
        import psycopg

        return psycopg.connect(self.dsn, autocommit=autocommit, connect_timeout=10)

    def connect(self) -> Any:
        """A new connection of its own (autocommit off), for concurrency checks."""
        return self._open(autocommit=False)

    def close(self) -> None:
        self._conn.close()

    def _error(self, exc: Exception) -> str:
        text = str(exc).strip().splitlines()
        return text[0] if text else type(exc).__name__

    def _run(self, sql: str, params: dict[str, Any] | None, fetch: bool) -> Rows | int:
        query = to_pyformat(sql) if params else sql
        with self._conn.transaction(), self._conn.cursor() as cur:
            cur.execute(query, params or None)
            rows = cur.fetchall() if cur.description else []
            columns = [d.name for d in cur.description or []]
            changed = cur.rowcount
        return Rows(columns, [tuple(r) for r in rows]) if fetch else max(changed, 0)

    def _script(self, sql: str) -> None:
        # Without parameters psycopg sends the text as one simple query: several statements
        # run in one implicit transaction, as psql -1 would.
        with self._conn.transaction():
            self._conn.execute(sql.encode("utf-8"))

    def _refused(self, sql: str, params: dict[str, Any] | None) -> tuple[str, str, str] | None:
        import psycopg

        query = to_pyformat(sql) if params else sql
        try:
            with self._conn.transaction(force_rollback=True):
                self._conn.execute(query, params or None)
        except psycopg.Error as exc:
            name = getattr(exc.diag, "constraint_name", None) or ""
            return exc.sqlstate or "", name, self._error(exc)
        return None

    def explain(
        self, sql: str, params: dict[str, Any] | None = None, *, analyze: bool = True
    ) -> Plan:
        """The plan PostgreSQL runs ``sql`` with (executed and rolled back when ``analyze``)."""
        self._check_params(sql, params, None)
        options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
        body = sql.strip().rstrip(";")
        query = f"EXPLAIN ({options}) {to_pyformat(body) if params else body}"
        try:
            with self._conn.transaction(force_rollback=True):
                doc = self._conn.execute(query, params or None).fetchone()[0]
        except Exception as exc:
            raise CheckFailure(self._failed(sql, params, None, exc)) from None
        top = doc[0] if isinstance(doc, list) else doc
        return Plan(
            top["Plan"],
            float(top.get("Execution Time", 0.0)),
            float(top.get("Planning Time", 0.0)),
        )

    def schema(self) -> dict[str, Any]:
        """Tables, columns, constraints, indexes, views, sequences and enum types of the public
        schema, normalized for comparing one state of a database with another."""
        q = self._conn.execute
        return {
            "columns": q(
                "SELECT table_name, column_name, data_type, is_nullable, column_default, "
                "character_maximum_length, numeric_precision, numeric_scale "
                "FROM information_schema.columns WHERE table_schema = 'public' "
                "ORDER BY table_name, column_name"
            ).fetchall(),
            "constraints": q(
                "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
                "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
                "WHERE n.nspname = 'public' ORDER BY 1, 2"
            ).fetchall(),
            "indexes": q(
                "SELECT tablename, indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = 'public' ORDER BY 1, 2"
            ).fetchall(),
            "views": q(
                "SELECT table_name, view_definition FROM information_schema.views "
                "WHERE table_schema = 'public' ORDER BY 1"
            ).fetchall(),
            "sequences": q(
                "SELECT sequence_name FROM information_schema.sequences "
                "WHERE sequence_schema = 'public' ORDER BY 1"
            ).fetchall(),
            "types": q(
                "SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) "
                "FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid "
                "JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' "
                "GROUP BY 1 ORDER BY 1"
            ).fetchall(),
        }

    def reset_statements(self) -> None:
        self._statements_ready()
        self._conn.execute("SELECT pg_stat_statements_reset()")

    def statement_counts(self) -> dict[str, int]:
        """How often each (normalized) statement ran in this database since the last reset."""
        self._statements_ready()
        rows = self._conn.execute(
            "SELECT query, calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
            "WHERE d.datname = current_database()"
        ).fetchall()
        counts: dict[str, int] = collections.Counter()
        for query, calls in rows:
            counts[query] += int(calls)
        return dict(counts)

    def _statements_ready(self) -> None:
        import psycopg
        import pytest

        try:
            self._conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            self._conn.execute("SELECT 1 FROM pg_stat_statements LIMIT 1")
        except psycopg.Error as exc:
            pytest.skip(
                "not checked: pg_stat_statements is not available on this PostgreSQL "
                f"({self._error(exc)}); install your distribution's PostgreSQL contrib package "
                "(e.g. postgresql-contrib)"
            )

    def _keep(self) -> Path:
        assert self.keep_dir is not None
        target = self.keep_dir / f"{self.name}.sql"
        pg_dump = Path(self.bindir, "pg_dump") if self.bindir else None
        exe = str(pg_dump) if pg_dump and pg_dump.is_file() else shutil.which("pg_dump")
        if exe is None:
            raise CheckFailure("--keep needs pg_dump, which was not found next to PostgreSQL")
        done = subprocess.run(
            [exe, "--no-owner", "--no-privileges", "-f", str(target), "-d", self.dsn],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if done.returncode != 0:
            raise CheckFailure(f"--keep: pg_dump failed: {done.stderr.strip()[-300:]}")
        # pg_dump empties search_path for its own statements (the learner's come after it), and
        # does not keep the database's own settings (a time zone graders chose): add both.
        settings = self._conn.execute(
            "SELECT unnest(setconfig) FROM pg_db_role_setting WHERE setrole = 0 AND "
            "setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchall()
        with target.open("a", encoding="utf-8") as dump:
            dump.write("\nRESET search_path;\n")
            for (setting,) in settings:
                name, _, value = str(setting).partition("=")
                dump.write(f'SET "{name}" = {literal(value)};\n')
        return target

    def _repro_command(self, statement: str) -> str:
        kept = self.kept.name if self.kept else f"{self.name}.sql"
        return (
            "with `learnpath run .` running (it prints DATABASE_URL): "
            f'psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f {KEEP_FOLDER}/{kept} '
            f"-c {shlex.quote(statement)}"
        )

    def _repro_file(self, source: str) -> str:
        kept = self.kept.name if self.kept else f"{self.name}.sql"
        return (
            "with `learnpath run .` running (it prints DATABASE_URL): "
            f'psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f {KEEP_FOLDER}/{kept} '
            f"-f {shlex.quote(source)}"
        )


class Databases:
    """The ``databases`` fixture: fresh, seeded databases for one grading run."""

    def __init__(
        self,
        scratch: Path,
        *,
        keep_dir: Path | None,
        postgres: dict[str, Any] | None,
        uid: str,
    ):
        self.scratch = scratch
        self.keep_dir = keep_dir
        self._postgres = postgres
        self._uid = uid
        self._serial = itertools.count(1)
        self._made: list[Database] = []
        self._pg_names: list[str] = []

    def _name(self, name: str) -> str:
        clean = re.sub(r"[^a-z0-9_]", "_", name.lower())[:40] or "db"
        return f"{clean}_{next(self._serial)}"

    def sqlite(self, name: str, seed: str = "") -> SqliteDatabase:
        unique = self._name(name)
        db = SqliteDatabase(unique, self.scratch / f"{unique}.db", self.keep_dir)
        self._made.append(db)
        if seed:
            db.script(seed, source="the grader's seed")
        db.keep()
        return db

    def postgres(self, name: str, seed: str = "") -> PostgresDatabase:
        import psycopg

        if self._postgres is None:
            raise CheckFailure(
                "this check needs PostgreSQL, and the exercise does not declare it: add "
                "'services: [postgres]' to its exercise.yaml"
            )
        unique = self._name(name)
        admin = self._postgres["admin_dsn"]
        with psycopg.connect(admin, autocommit=True) as conn:
            try:
                # PostgreSQL 15+ would otherwise write the whole template through the WAL:
                # a file copy is ten times faster for a tiny database.
                conn.execute(f'CREATE DATABASE "{unique}" STRATEGY FILE_COPY')
            except psycopg.errors.SyntaxError:  # PostgreSQL 14 and older copy files anyway
                conn.execute(f'CREATE DATABASE "{unique}"')
        self._pg_names.append(unique)
        dsn = _with_database(admin, unique)
        db = PostgresDatabase(unique, dsn, self._postgres.get("bindir", ""), self.keep_dir)
        self._made.append(db)
        if seed:
            db.script(seed, source="the grader's seed")
        db.keep()
        return db

    def close(self) -> None:
        import psycopg

        for db in self._made:
            with contextlib.suppress(Exception):
                db.close()  # type: ignore[attr-defined]
        if self._postgres is not None and self._pg_names:
            # On a throwaway cluster this is moot; on LEARNPATH_POSTGRES_URL it is tidiness.
            with (
                contextlib.suppress(psycopg.Error),
                psycopg.connect(self._postgres["admin_dsn"], autocommit=True) as conn,
            ):
                for name in self._pg_names:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _with_database(url: str, database: str) -> str:
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(database)))
