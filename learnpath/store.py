"""The progress database: where it lives, its schema (sqlite-utils migrations), safe access.

One SQLite file, ``paths.user_dir() / "progress.db"``. Design choices, and why:

* **Stable ids, never positions.** Weeks are keyed by their module id (``m01-http``), topics by
  topic id, stages by stage id, so reordering the curriculum never moves anyone's progress.
* **Identified, never overwritten.** A learnpath database carries ``PRAGMA application_id`` =
  :data:`APPLICATION_ID`. A file without it that holds tables, or that is not SQLite at all, is
  refused with a :class:`~learnpath.errors.StoreError` naming the file and the way out.
* **Opened by the caller.** :func:`reader` (``None`` until something was recorded: reading never
  creates a database) and :func:`writer`; the progress package receives the store explicitly.
* **Cheap to open.** Reads use the stdlib ``sqlite3``; ``sqlite_utils`` (slow to import) loads
  only when ``PRAGMA user_version`` says the schema is behind and the migrations must run.
* **Safe with several writers.** WAL, a 5 s busy timeout, and every write in one short
  ``BEGIN IMMEDIATE`` transaction (taking the write lock up front means a writer waits for the
  lock instead of failing with "database is locked" when it upgrades a read).
* **Crash-safe.** Each logical write (an attempt with all its stage rows, an import) is one
  transaction, so a process killed mid-write leaves either all of it or none.

``python -m learnpath.store --schema-doc [-o docs/schema.md]`` regenerates the schema document by
running the migrations on an in-memory database.
"""

from __future__ import annotations

import contextlib
import errno
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from learnpath import paths
from learnpath.errors import StoreError

if TYPE_CHECKING:
    from sqlite_utils import Database, Migrations

DB_NAME = "progress.db"
# "LPth" as a big-endian 32-bit integer: marks the file as ours (see sqlite.org/fileformat.html).
APPLICATION_ID = 0x4C507468
BUSY_TIMEOUT_MS = 5000
_SQLITE_MAGIC = b"SQLite format 3\x00"

# -- schema ------------------------------------------------------------------------------------
# Each migration is a list of statements; its docstring-like first entry documents it. Append new
# migrations, never edit an applied one: the number of migrations is the schema version.

_M001 = [
    """CREATE TABLE enrollments (
    track TEXT PRIMARY KEY,          -- track id, e.g. backend
    started_on TEXT NOT NULL,        -- ISO date the learner started (time-on-pace counts from it)
    pace_hours REAL NOT NULL,        -- planned hours per week
    stack TEXT,                      -- preferred stack: python | node | java
    specialization TEXT,             -- chosen specialization id, NULL until chosen
    updated_at REAL NOT NULL         -- unix time; import keeps the newer row
)""",
    """CREATE TABLE statuses (
    track TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('week', 'topic')),
    item TEXT NOT NULL,              -- week (module) id or topic id: stable ids, never positions
    status TEXT NOT NULL CHECK (status IN ('todo', 'in-progress', 'done', 'skipped')),
    updated_at REAL NOT NULL,        -- unix time; import keeps the newer row
    PRIMARY KEY (track, kind, item)
) WITHOUT ROWID""",
    """CREATE TABLE quiz_attempts (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,       -- stable across export/import, deduplicates merges
    track TEXT NOT NULL,
    week TEXT NOT NULL,              -- week (module) id
    taken_at REAL NOT NULL,          -- unix time
    score INTEGER NOT NULL,          -- questions answered correctly
    total INTEGER NOT NULL,          -- questions asked
    answers TEXT NOT NULL            -- JSON: {question id: [chosen choice indices, 0-based]}
)""",
    "CREATE INDEX quiz_attempts_by_week ON quiz_attempts (track, week, taken_at)",
    """CREATE TABLE exercise_attempts (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,       -- stable across export/import, deduplicates merges
    exercise TEXT NOT NULL,          -- exercise id
    stack TEXT,                      -- e.g. fastapi, express
    status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'error')),
    started_at REAL NOT NULL,        -- unix time
    finished_at REAL NOT NULL,       -- unix time
    stage_count INTEGER NOT NULL,    -- stage rows written with it (a check that none is missing)
    report TEXT                      -- JSON grade report, optional
)""",
    "CREATE INDEX exercise_attempts_by_exercise ON exercise_attempts (exercise, finished_at)",
    """CREATE TABLE stage_results (
    attempt_id INTEGER NOT NULL REFERENCES exercise_attempts (id) ON DELETE CASCADE,
    stage TEXT NOT NULL,             -- stage id
    seq INTEGER NOT NULL,            -- order in which this run reported it (not an identity)
    status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'skipped', 'error')),
    passed INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    duration REAL NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (attempt_id, stage)
) WITHOUT ROWID""",
    """CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,       -- stable across export/import, deduplicates merges
    ts REAL NOT NULL,                -- unix time
    day TEXT NOT NULL,               -- local date (YYYY-MM-DD) of ts: streaks and activity
    kind TEXT NOT NULL,              -- enroll | mark | quiz | grade | specialize
    track TEXT,
    item TEXT,                       -- week id, topic id, exercise id...
    payload TEXT                     -- JSON details
)""",
    "CREATE INDEX events_by_day ON events (day)",
    "CREATE INDEX events_by_track ON events (track, ts)",
    # History is append-only: an event is never rewritten (reset deletes, after a backup).
    """CREATE TRIGGER events_append_only BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END""",
]

# A stage may now be 'skip': nothing in it could be checked (e.g. a restart with grade --url).
# SQLite cannot alter a CHECK constraint, so the table is rebuilt with its rows.
_M002 = [
    """CREATE TABLE stage_results_m002 (
    attempt_id INTEGER NOT NULL REFERENCES exercise_attempts (id) ON DELETE CASCADE,
    stage TEXT NOT NULL,             -- stage id
    seq INTEGER NOT NULL,            -- order in which this run reported it (not an identity)
    status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'skip', 'skipped', 'error')),
    passed INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    duration REAL NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (attempt_id, stage)
) WITHOUT ROWID""",
    "INSERT INTO stage_results_m002 SELECT * FROM stage_results",
    "DROP TABLE stage_results",
    "ALTER TABLE stage_results_m002 RENAME TO stage_results",
]

# Progress per project: a project folder has an identity (``id:`` in its learnpath.yml, or one
# derived from its resolved path), and each attempt names its project, so two projects of one
# exercise (two stacks, a restart from scratch) keep separate stages. Attempts recorded before
# this migration keep ``project`` NULL: the first project without a recorded id (a folder an
# earlier learnpath created) that is graded adopts them; a new project never sees them.
_M003 = [
    """CREATE TABLE projects (
    id TEXT PRIMARY KEY,             -- learnpath.yml's id, or derived from the folder's path
    exercise TEXT NOT NULL,          -- exercise id
    stack TEXT,                      -- e.g. fastapi, express
    path TEXT NOT NULL,              -- the folder where it was last started or graded
    created_at REAL NOT NULL,        -- unix time
    updated_at REAL NOT NULL         -- unix time of its last start or grade: newest is active
)""",
    "CREATE INDEX projects_by_time ON projects (updated_at)",
    "ALTER TABLE exercise_attempts ADD COLUMN project TEXT",
    "CREATE INDEX exercise_attempts_by_project "
    "ON exercise_attempts (exercise, project, finished_at)",
]

# Knowledge checks show their choices shuffled per attempt; the seed that drew the order is kept
# with the attempt so a review shows what the learner saw. Older attempts have none (NULL): they
# were shown in file order. Answers stay stored as canonical (file-order) choice indices.
_M004 = ["ALTER TABLE quiz_attempts ADD COLUMN seed INTEGER"]

MIGRATIONS: tuple[tuple[str, str, list[str]], ...] = (
    (
        "m001_progress",
        "Enrollments, week/topic statuses, quiz and exercise attempts, the event log.",
        _M001,
    ),
    (
        "m002_stage_skip",
        "Stage results may be 'skip': could not be checked in that run (not a failure).",
        _M002,
    ),
    (
        "m003_projects",
        "Projects (a folder's identity) and each attempt's project: progress per project.",
        _M003,
    ),
    (
        "m004_quiz_seed",
        "Knowledge-check attempts keep the seed of their shuffled choice order (NULL: file order).",
        _M004,
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
# Every table of learner data, children before parents (the order reset deletes in).
DATA_TABLES = (
    "stage_results",
    "exercise_attempts",
    "projects",
    "quiz_attempts",
    "statuses",
    "enrollments",
    "events",
)


def migrations() -> Migrations:
    """The learnpath migration set (imports sqlite_utils: call only when a migration is due)."""
    from sqlite_utils import Migrations

    m = Migrations("learnpath")
    for name, _doc, statements in MIGRATIONS:
        m(name=name)(_runner(name, statements))
    return m


def _runner(name: str, statements: Sequence[str]) -> Callable[[Database], None]:
    def run(db: Database) -> None:
        for sql in statements:
            db.execute(sql)

    run.__name__ = name
    return run


# -- errors ------------------------------------------------------------------------------------


def _way_out(path: Path) -> str:
    return (
        f"learnpath never overwrites it. If it holds your progress, keep a copy and try "
        f"'learnpath export' or 'sqlite3 {path} .recover'; otherwise move it aside "
        f"(mv {path} {path}.bak) and learnpath starts a new one"
    )


# Primary SQLite result codes (sqlite.org/rescode.html) and what each means for the learner.
# Classifying by code, never by message text: a message that merely mentions "full" or
# "access" (a table name, a constraint) must not be reported as a full or read-only disk.
_CORRUPT = {"SQLITE_NOTADB", "SQLITE_CORRUPT"}
_READ_ONLY = {"SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH"}
_BUSY = {"SQLITE_BUSY", "SQLITE_LOCKED"}


def _primary(exc: sqlite3.Error) -> str:
    """``SQLITE_IOERR`` for ``SQLITE_IOERR_WRITE``: the primary code's name ('' if none)."""
    name = getattr(exc, "sqlite_errorname", None) or ""
    return "_".join(name.split("_")[:2])


def translate(exc: sqlite3.Error | OSError, path: Path) -> StoreError:
    """One clear, actionable message for a low-level failure on ``path``."""
    msg = str(exc)
    if isinstance(exc, OSError):
        if isinstance(exc, PermissionError) or exc.errno == errno.EROFS:
            return StoreError(
                f"cannot use {path}: {exc.strerror or msg} (read-only, or another "
                "user's? set LEARNPATH_HOME to a folder of yours). Your recorded "
                "progress is intact"
            )
        return StoreError(f"cannot use {path}: {exc.strerror or msg}")
    code = _primary(exc)
    if code in _CORRUPT:
        return StoreError(
            f"{path} is not a readable learnpath progress database ({msg}); " + _way_out(path)
        )
    if code == "SQLITE_FULL":
        return StoreError(
            f"cannot write to {path}: the disk is full. Nothing was changed and "
            "your recorded progress is intact; free some space and try again"
        )
    if code in _READ_ONLY:
        return StoreError(
            f"cannot write to {path}: the file or its folder is read-only "
            "(set LEARNPATH_HOME to a writable folder). Your recorded progress "
            "is intact"
        )
    if code in _BUSY:
        return StoreError(
            f"{path} stayed busy for more than {BUSY_TIMEOUT_MS // 1000} s "
            "(another learnpath process is writing); try again"
        )
    if code == "SQLITE_IOERR":
        return StoreError(
            f"cannot read or write {path}: disk I/O error (is the disk full or "
            "read-only?). Your recorded progress is intact"
        )
    return StoreError(f"progress database {path}: {msg}")


# -- the store ---------------------------------------------------------------------------------


def db_path() -> Path:
    """The progress database of the current user (``LEARNPATH_HOME`` moves it)."""
    return paths.user_dir() / DB_NAME


class Store:
    """An open, verified progress database. Reads via :meth:`rows`; writes via :meth:`write`."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self.guard():
            return self.conn.execute(sql, params).fetchall()

    def iterate(self, sql: str, params: Sequence[Any] = ()) -> Iterator[sqlite3.Row]:
        """Rows one at a time (stop early without reading them all)."""
        with self.guard():
            cursor = self.conn.execute(sql, params)
            try:
                yield from cursor
            finally:
                # Reset the statement now: an unfinished read would pin a WAL snapshot.
                cursor.close()

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        found = self.rows(sql, params)
        return found[0][0] if found else None

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Turn sqlite3 errors into one clear :class:`StoreError`."""
        try:
            yield
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from None

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One short ``BEGIN IMMEDIATE`` transaction: all of it is stored, or none of it."""
        with self.guard():
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.rollback()
                raise
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.rollback()
                raise

    def close(self) -> None:
        self.conn.close()


_open: dict[Path, Store] = {}


def open_store(path: Path | None = None, *, create: bool = True) -> Store | None:
    """The store at ``path`` (default :func:`db_path`), migrated to the current schema.

    With ``create=False`` a missing file, or one whose first migration never committed, gives
    ``None`` (reading never creates or migrates a blank database).
    Connections are kept per path for the life of the process.
    """
    path = path or db_path()
    cached = _open.get(path)
    if cached is not None:
        return cached
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        if not create:
            return None
        size = 0
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise translate(exc, path) from None
    except OSError as exc:
        raise translate(exc, path) from None
    if size:
        _check_header(path)
    try:
        conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise translate(exc, path) from None
    conn.row_factory = sqlite3.Row
    store = Store(conn, path)
    try:
        with store.guard():
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            # In WAL mode NORMAL keeps the database consistent after a crash; only the last
            # transactions before a power loss may be rolled back.
            conn.execute("PRAGMA synchronous = NORMAL")
            # A file whose first migration never committed (its writer was killed, or it is
            # still being created) holds no progress yet: a reader says so and writes nothing;
            # the next writer migrates it.
            blank = not create and _identity(conn) == (0, 0, 0)
            if not blank:
                _verify_and_migrate(store)
    except BaseException:
        conn.close()
        raise
    if blank:
        conn.close()
        return None
    _open[path] = store
    return store


def reader() -> Store | None:
    """The learner's store for reading: ``None`` when nothing was ever recorded (never creates)."""
    return open_store(create=False)


def writer() -> Store:
    """The learner's store for writing, created and migrated if needed."""
    store = open_store(create=True)
    assert store is not None  # create=True always gives a store or raises
    return store


def close_all() -> None:
    """Close every cached connection (tests, and before a file is moved aside)."""
    while _open:
        _open.popitem()[1].close()


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise translate(exc, path) from None
    if head != _SQLITE_MAGIC:
        raise StoreError(
            f"{path} is not a learnpath progress database (not SQLite at all); " + _way_out(path)
        )


def _identity(conn: sqlite3.Connection) -> tuple[int, int, int]:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    objects = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    return app_id, version, objects


def _verify_and_migrate(store: Store) -> None:
    conn, path = store.conn, store.path
    app_id, version, objects = _identity(conn)
    if app_id == APPLICATION_ID and version == SCHEMA_VERSION:
        return  # the fast path: nothing is written
    _refuse_foreign(app_id, objects, version, path)
    if objects == 0:
        # Switching to WAL must happen outside a transaction; on an empty file it is harmless
        # even if another process is initializing the same file right now.
        conn.execute("PRAGMA journal_mode = WAL")
    from sqlite_utils import Database

    conn.execute("BEGIN IMMEDIATE")
    try:
        # Re-check under the write lock: another process may have just created or migrated it.
        app_id, version, objects = _identity(conn)
        _refuse_foreign(app_id, objects, version, path)
        if version < SCHEMA_VERSION:
            db = Database(conn, execute_plugins=False)
            migrations().apply(db)  # nested in our transaction: sqlite-utils uses savepoints
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise


def _refuse_foreign(app_id: int, objects: int, version: int, path: Path) -> None:
    if app_id == APPLICATION_ID:
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{path} was written by a newer learnpath (schema {version}, this one knows "
                f"{SCHEMA_VERSION}); upgrade learnpath (pip install -U learnpath)"
            )
        return
    if app_id != 0 or objects:
        raise StoreError(
            f"{path} is an SQLite database but not a learnpath progress database; " + _way_out(path)
        )


def check(path: Path | None = None) -> str:
    """``PRAGMA integrity_check`` of the database: ``"ok"`` or the problems found."""
    store = open_store(path, create=False)
    if store is None:
        return "ok"
    return "\n".join(r[0] for r in store.rows("PRAGMA integrity_check"))


# -- generated documentation -------------------------------------------------------------------


def schema_markdown() -> str:
    """docs/schema.md, generated by running the migrations on an in-memory database."""
    from sqlite_utils import Database

    conn = sqlite3.connect(":memory:", isolation_level=None)
    db = Database(conn, execute_plugins=False)
    migrations().apply(db)
    out = [
        "# The progress database",
        "",
        "<!-- Generated by `python -m learnpath.store --schema-doc -o docs/schema.md`: "
        "do not edit. -->",
        "",
        f"File: `progress.db` in the learnpath data dir (`LEARNPATH_HOME` overrides it). "
        f"`PRAGMA application_id` = {APPLICATION_ID} (`0x{APPLICATION_ID:08X}`) marks a learnpath "
        f"database; `PRAGMA user_version` = {SCHEMA_VERSION} is the schema version (the number "
        "of applied migrations). Journal mode WAL, busy timeout "
        f"{BUSY_TIMEOUT_MS} ms, foreign keys on.",
        "",
        "## Migrations (sqlite-utils set `learnpath`)",
        "",
    ]
    out += [f"{i}. `{name}`: {doc}" for i, (name, doc, _) in enumerate(MIGRATIONS, 1)]
    out.append("")
    kinds = {"table": "Table", "index": "Index", "trigger": "Trigger"}
    for kind, title in kinds.items():
        rows = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = ? AND sql IS NOT NULL ORDER BY name",
            (kind,),
        ).fetchall()
        for name, sql in rows:
            out += [f"## {title} `{name}`", "", "```sql", sql.strip() + ";", "```", ""]
    conn.close()
    return "\n".join(out).rstrip() + "\n"


def _main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m learnpath.store")
    parser.add_argument("--schema-doc", action="store_true", help="print docs/schema.md")
    parser.add_argument("-o", "--output", type=Path, help="write it to this file")
    args = parser.parse_args(argv)
    if not args.schema_doc:
        parser.print_help()
        return 2
    text = schema_markdown()
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
