"""Shared set-up for the backup and restore drill (dba-backup-restore) graders.

The graders run PostgreSQL servers of their own (``Cluster``) and run the learner's scripts
against them as the servers' OS user, with PGHOST/PGPORT/PGUSER/PGDATABASE, PATH (the server's
programs first), ARCHIVE_DIR, BACKUP_DIR and (for restores) TARGET_PGDATA in the environment.
The scripts run from a copy of the project that this OS user can read.

One primary serves the whole run: the archiving stage runs setup.sh on it, the base-backup stage
writes a ledger and runs backup.sh, and the pitr and corruption stages play the drill on top
(batch B, TIME, batch C, DROP TABLE) and restore it. Each step happens once, when the first
stage that needs it runs, so any subset of stages in any order builds the same story.

Everything asynchronous (the archiver, recovery) is polled with a bound, never slept for a fixed
time, and every value the checks compare against is computed here from data made for this run.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from learnpath.grading.checks import CheckFailure, expect
from learnpath.grading.files import ProjectFiles, Ran
from learnpath.services.base import ServiceError
from learnpath.services.postgres import Cluster, far_timezone

SCRIPT_TIMEOUT = 90.0  # one script run (a backup, a restore copying the backup)
SETTLE = 30.0  # the archiver or recovery must get there within this many seconds (polled)
POLL = 0.05
DATABASE = "postgres"
# track_commit_timestamp: the graders read a transaction's exact commit time. Not durable
# (fsync off): nothing here has to survive a power cut, and pg_basebackup forces full-page
# writes while it runs whatever the setting.
OPTIONS = {"track_commit_timestamp": "on"}
LOG_LINES = 8
SKIP_COPY = {".git", ".venv", "venv", "node_modules", "__pycache__", ".learnpath-kept"}
# How to reproduce, per stage: the grader's servers are gone when grading ends, so each failure
# says how to replay the steps on a throwaway cluster (the starter's README.md shows one).
ARCHIVING_REPRO = (
    "To reproduce on a throwaway cluster (README.md, 'Practise the drill'): `bash setup.sh`, "
    "restart, `psql -c 'SELECT pg_walfile_name(pg_switch_wal())'`, then read "
    "`SELECT * FROM pg_stat_archiver`, ARCHIVE_DIR and the server log"
)
BACKUP_REPRO = (
    "To reproduce on a throwaway cluster (README.md, 'Practise the drill'): `bash backup.sh`, "
    "then `pg_verifybackup $BACKUP_DIR/<the new folder>`"
)
RESTORE_REPRO = (
    "To reproduce, play the drill of README.md ('Practise the drill'): back up, write, note "
    "TIME, write, drop, pg_switch_wal(), `bash restore.sh --to TIME`, start PostgreSQL on "
    "TARGET_PGDATA and read its log"
)


def expecting(repro: str):
    """An ``expect`` whose failures end with how to reproduce them."""

    def check(condition: object, message: str) -> None:
        if not condition:
            raise CheckFailure(with_repro(message, repro))

    return check


def with_repro(message: str, repro: str) -> str:
    return f"{message.rstrip('. ')}. {repro}."


restore_expect = expecting(RESTORE_REPRO)


def setup_failure(what: str, ran: Ran, stage: str) -> CheckFailure:
    return CheckFailure(
        f"setup: {what} must work for this stage (see the {stage} stage): `{ran.command}` "
        f"exited {ran.code}; its output: {ran.tail()}"
    )


def log_excerpt(cluster: Cluster, *, grep: tuple[str, ...] = (), n: int = LOG_LINES) -> str:
    """The server log's last lines (those containing one of ``grep`` if given), one line."""
    try:
        lines = cluster.log_path.read_text("utf-8", "replace").splitlines()
    except OSError:
        return "(no server log)"
    if grep:
        lines = [line for line in lines if any(g in line for g in grep)]
    picked = [line.strip() for line in lines[-n:] if line.strip()]
    return " | ".join(picked) or "(nothing relevant in the server log)"


def connect(cluster: Cluster, database: str = "postgres") -> Any:
    import psycopg

    return psycopg.connect(cluster.dsn(database), autocommit=True, connect_timeout=10)


def query(cluster: Cluster, sql: str, params: Any = None, database: str = "postgres") -> list:
    with connect(cluster, database) as conn:
        return conn.execute(sql, params).fetchall()


def scalar(cluster: Cluster, sql: str, params: Any = None, database: str = "postgres") -> Any:
    rows = query(cluster, sql, params, database)
    return rows[0][0] if rows else None


def chown_tree(path: Path, cluster: Cluster) -> None:
    user = cluster.user
    if user is None:
        return
    for root, dirs, files in os.walk(path):
        os.chown(root, user.uid, user.gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), user.uid, user.gid, follow_symlinks=False)


def wal_segment_size(cluster: Cluster) -> int:
    return int(
        scalar(
            cluster,
            "SELECT setting::bigint FROM pg_settings WHERE name = %s",
            ("wal_segment_size",),
        )
    )


# -- one server and the folders around it ----------------------------------------------------------


class Lab:
    """One primary with its archive, backup folder and a readable copy of the learner's project."""

    def __init__(self, project: ProjectFiles, name: str):
        self.name = name
        try:
            self.cluster = Cluster(name, options=OPTIONS, durable=False)
        except ServiceError as exc:
            pytest.skip(f"needs PostgreSQL's server programs on this machine: {exc}")
        try:
            self.cluster.start()
        except ServiceError as exc:
            self.cluster.close()
            pytest.skip(f"could not start a PostgreSQL server on this machine: {exc}")
        # Only the postgres database: every backup, restore and copy of this cluster is then a
        # third of the files (nothing here creates a database from a template).
        with connect(self.cluster) as conn:
            for name in ("template0", "template1"):
                conn.execute(f"ALTER DATABASE {name} IS_TEMPLATE false")
                conn.execute(f"DROP DATABASE {name}")
        self.archive = self.cluster.make_dir("archive")
        self.backups = self.cluster.make_dir("backups")
        copy = self.cluster.make_dir("project")
        shutil.copytree(
            project.dir,
            copy,
            symlinks=True,
            dirs_exist_ok=True,
            ignore=lambda folder, names: {n for n in names if n in SKIP_COPY},
        )
        chown_tree(copy, self.cluster)
        self.scripts = ProjectFiles(copy, project.config, project.env)
        self.restored: list[Cluster] = []
        self._dirs = 0

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **self.cluster.env(),
            "ARCHIVE_DIR": str(self.archive),
            "BACKUP_DIR": str(self.backups),
            **extra,
        }

    def run(self, rel: str, args: tuple[str, ...] = (), **extra: str) -> Ran:
        return self.scripts.script(
            rel,
            list(args),
            env=self.env(**extra),
            timeout=SCRIPT_TIMEOUT,
            user=self.cluster.user,
            cwd=self.scripts.dir,
        )

    def new_dir(self, what: str) -> Path:
        """A new empty folder owned by the server's OS user."""
        self._dirs += 1
        return self.cluster.make_dir(f"{what}-{self._dirs}")

    def close(self) -> None:
        for restored in self.restored:
            restored.close()
        self.cluster.close()

    # -- archiving -----------------------------------------------------------------------------

    def setup_archiving(self) -> Ran:
        """setup.sh, then the restart archive_mode and wal_level need."""
        ran = self.run("setup.sh")
        if ran.code == 0:
            try:
                self.cluster.restart()
            except ServiceError as exc:
                raise CheckFailure(
                    f"PostgreSQL did not start again after setup.sh (the grader restarts it so "
                    f"that archive_mode and wal_level apply): {exc}"
                ) from None
        return ran

    def archiver(self) -> dict[str, Any]:
        with connect(self.cluster) as conn:
            cur = conn.execute(
                "SELECT archived_count, last_archived_wal, failed_count, last_failed_wal "
                "FROM pg_stat_archiver"
            )
            row = cur.fetchone()
        names = ("archived_count", "last_archived_wal", "failed_count", "last_failed_wal")
        return dict(zip(names, row, strict=True))

    def switch_wal(self, note: str = "switch") -> str:
        """Write a little (a switch with nothing written does nothing), then close the current
        WAL segment; the name of the segment that is now due for archiving."""
        with connect(self.cluster) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS grader_marks (note text, at timestamptz)")
            conn.execute("INSERT INTO grader_marks VALUES (%s, clock_timestamp())", (note,))
            return conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]

    def wait_archiver(
        self, segment: str, before: dict[str, Any], *, failures: bool = True
    ) -> dict[str, Any]:
        """Poll pg_stat_archiver until ``segment`` was archived, or (with ``failures``) until
        archiving failed after ``before`` for a segment not archived yet (``segment`` itself or
        an earlier one the archiver is stuck on); the last snapshot, also after a timeout: the
        caller says what it means."""
        deadline = time.monotonic() + SETTLE
        while True:
            now = self.archiver()
            archived = (now["last_archived_wal"] or "")[:24]
            if now["archived_count"] > before["archived_count"] and archived >= segment:
                return now
            failed = (now["last_failed_wal"] or "")[:24]
            if failures and now["failed_count"] > before["failed_count"] and failed > archived:
                return now
            if time.monotonic() > deadline:
                return now
            time.sleep(POLL)

    def archived(self, segment: str, now: dict[str, Any]) -> bool:
        return (now["last_archived_wal"] or "")[:24] >= segment and now["archived_count"] > 0

    # -- backups -------------------------------------------------------------------------------

    def backup_folders(self, folder: Path | None = None) -> list[Path]:
        """The backups in BACKUP_DIR: folders directly inside it holding a backup_manifest."""
        folder = folder or self.backups
        return sorted(p for p in folder.iterdir() if (p / "backup_manifest").is_file())

    def verify(self, backup: Path) -> tuple[bool, str]:
        """pg_verifybackup run by the grader itself."""
        import subprocess

        done = subprocess.run(
            [str(self.cluster.bindir / "pg_verifybackup"), str(backup)],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=SCRIPT_TIMEOUT,
            check=False,
        )
        out = " | ".join((done.stdout + done.stderr).strip().splitlines()[-6:])
        return done.returncode == 0, out

    # -- restored copies -----------------------------------------------------------------------

    def start_restored(self, data_dir: Path, name: str) -> Cluster:
        """Start PostgreSQL on a data folder restore.sh prepared, with archiving switched off
        (a drill never writes into the archive it restores from), and wait until recovery has
        ended and the server was promoted."""
        restore_expect(
            (data_dir / "PG_VERSION").is_file(),
            "expected restore.sh to leave a data directory in TARGET_PGDATA (the base backup's "
            f"files, PG_VERSION among them), found {sorted(os.listdir(data_dir))[:12]}",
        )
        restore_expect(
            (data_dir / "recovery.signal").is_file(),
            "expected restore.sh to create recovery.signal in TARGET_PGDATA: without it PostgreSQL "
            "does no archive recovery at all (restore_command and recovery_target_* are ignored) "
            "and only replays the WAL inside the backup",
        )
        restore_expect(
            not (data_dir / "standby.signal").exists(),
            "expected no standby.signal in TARGET_PGDATA: it makes the copy a standby that keeps "
            "waiting for more WAL and never opens for writes; a point-in-time restore uses "
            "recovery.signal",
        )
        auto = data_dir / "postgresql.auto.conf"
        with auto.open("a", encoding="utf-8") as conf:
            conf.write(
                "\n# set by the grader: a restore drill never archives\narchive_mode = off\n"
            )
        if self.cluster.user is not None:
            os.chown(auto, self.cluster.user.uid, self.cluster.user.gid)
        restored = Cluster.on_existing(data_dir, name=name)
        self.restored.append(restored)
        try:
            restored.start()
        except ServiceError as exc:
            raise CheckFailure(
                with_repro(
                    f"PostgreSQL did not start on the restored TARGET_PGDATA: {exc}. The server "
                    "log says why ('recovery ended before configured recovery target was "
                    "reached' means the WAL up to the target was not found through "
                    "restore_command)",
                    RESTORE_REPRO,
                )
            ) from None
        deadline = time.monotonic() + SETTLE
        while True:
            if not restored.running:
                raise CheckFailure(
                    with_repro(
                        "the restored server stopped during recovery; its log: "
                        + log_excerpt(restored, n=12),
                        RESTORE_REPRO,
                    )
                )
            state: tuple[Any, ...] = (True, None)
            with contextlib.suppress(Exception):  # not accepting connections yet
                state = query(
                    restored,
                    "SELECT pg_is_in_recovery(), "
                    "CASE WHEN pg_is_in_recovery() THEN pg_get_wal_replay_pause_state() END",
                )[0]
            if not state[0]:
                return restored
            if state[1] in ("paused", "pause requested"):
                raise CheckFailure(
                    with_repro(
                        "recovery reached the target and then paused, so the restored server "
                        "stays read-only: set recovery_target_action = 'promote' (the default "
                        "is 'pause'). Its log: " + log_excerpt(restored, grep=("recovery",)),
                        RESTORE_REPRO,
                    )
                )
            if time.monotonic() > deadline:
                raise CheckFailure(
                    with_repro(
                        f"the restored server was still in recovery after {SETTLE:g} s; its "
                        "log: " + log_excerpt(restored, n=12),
                        RESTORE_REPRO,
                    )
                )
            time.sleep(POLL)


@pytest.fixture(scope="session")
def primary(project, uid):
    """The run's one primary, shared by every stage (each PostgreSQL server costs seconds to
    make): the stages build on it in whatever order they run, through the steps below."""
    primary = Primary(project, uid)
    yield primary
    primary.close()


# -- one story on the primary: archiving, a backup, then the drill ---------------------------------

Ledger = dict[int, tuple[str, int, str | None]]

TABLES = """
CREATE TABLE ledger (id integer PRIMARY KEY, batch text NOT NULL, amount integer NOT NULL,
                     memo text);
CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL);
"""


class Primary(Lab):
    """The shared primary, and what has been done to it so far. ``rows`` and ``notes`` are what
    its ledger and notes tables hold now, as the grader wrote them."""

    def __init__(self, project: ProjectFiles, uid: str):
        super().__init__(project, "primary")
        self.uid = uid
        self.rng = random.Random(f"primary-{uid}")
        self._ids = self.rng.sample(range(1000, 10**6), 2000)
        self.rows: Ledger = {}
        self.notes: set[tuple[int, str]] = set()
        self._archiving: Ran | CheckFailure | None = None
        self._backup: Ran | None = None
        self.rows_at_backup: Ledger = {}
        self.first_backups: list[Path] = []  # BACKUP_DIR's backups after the first backup.sh
        self.backup_archived = False  # whether archiving was on when backup.sh first ran
        self._drill: Drill | CheckFailure | None = None

    def archiving(self) -> Ran:
        """setup.sh and the restart, once; its result (a failed restart raises each time)."""
        if self._archiving is None:
            try:
                self._archiving = self.setup_archiving()
            except CheckFailure as exc:
                self._archiving = exc
        if isinstance(self._archiving, CheckFailure):
            raise CheckFailure(str(self._archiving))
        return self._archiving

    def batch(self, letter: str, n: int) -> Ledger:
        rows = {}
        for _ in range(n):
            memo = self.rng.choice([None, f"{letter}-{self.rng.randrange(10**6)}"])
            rows[self._ids.pop()] = (letter, self.rng.randrange(1, 10**6), memo)
        return rows

    def insert(self, rows: Ledger, conn: Any = None) -> None:
        with contextlib.ExitStack() as stack:
            if conn is None:
                conn = stack.enter_context(connect(self.cluster))
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO ledger (id, batch, amount, memo) VALUES (%s, %s, %s, %s)",
                    [(i, *row) for i, row in rows.items()],
                )
        self.rows.update(rows)

    def first_backup(self) -> Ran:
        """Batch A and the notes table, then backup.sh, once; its result."""
        if self._backup is None:
            with connect(self.cluster) as conn:
                conn.execute(TABLES)
                notes = {
                    (i, f"note {self.rng.randrange(10**9)} {self.uid}")
                    for i in self.rng.sample(range(1, 500), 12)
                }
                with conn.cursor() as cur:
                    cur.executemany("INSERT INTO notes (id, body) VALUES (%s, %s)", sorted(notes))
                self.notes = notes
                self.insert(self.batch("A", 120), conn)
            self.backup_archived = (
                self._archiving is not None
                and not isinstance(self._archiving, CheckFailure)
                and self._archiving.code == 0
            )
            self.rows_at_backup = dict(self.rows)
            self._backup = self.run("backup.sh")
            self.first_backups = self.backup_folders()
        return self._backup

    def drill(self) -> Drill:
        """The scenario of the pitr and corruption stages, played once."""
        if self._drill is None:
            try:
                self._drill = make_drill(self)
            except CheckFailure as exc:
                self._drill = exc
        if isinstance(self._drill, CheckFailure):
            raise CheckFailure(str(self._drill))
        return self._drill


# -- the drill: write, back up, write, remember a time, write, drop, archive ---------------------


@dataclass
class Drill:
    lab: Primary
    backup: Path  # the newest backup in BACKUP_DIR, the one restore.sh restores
    target: str  # TIME for --to: the exact commit time of batch B's last transaction
    as_of_target: Ledger  # ledger rows expected at TIME
    at_end: Ledger  # ledger rows expected at the end of the archive
    notes: set[tuple[int, str]]  # rows of the table dropped after TIME
    ledger_file: str  # the ledger's data file, relative to the data directory
    deleted_at_target: list[int]  # rows deleted by the transaction that committed at TIME
    restores: dict[str, Any] = field(default_factory=dict)


def make_drill(lab: Primary) -> Drill:
    """Batch B, TIME, batch C, DROP TABLE, WAL switch: on top of archiving and a backup."""
    ran = lab.archiving()
    if ran.code != 0:
        raise setup_failure("setup.sh (WAL archiving)", ran, "archiving")
    ran = lab.first_backup()
    if ran.code == 0 and not lab.backup_archived:
        # the first backup was taken before archiving was on: its WAL is not in the archive
        ran = lab.run("backup.sh")
    if ran.code != 0:
        raise setup_failure("backup.sh", ran, "base-backup")
    backups = lab.backup_folders()
    if not backups:
        raise CheckFailure(
            "setup: expected backup.sh to leave a backup (a folder holding backup_manifest) in "
            "BACKUP_DIR, found none (see the base-backup stage)"
        )
    rng = lab.rng
    with connect(lab.cluster) as conn:
        ledger_file = conn.execute("SELECT pg_relation_filepath('ledger')").fetchone()[0]
        # Batch B, in three transactions; TIME is the commit time of the last one, exactly.
        a = sorted(lab.rows)
        with conn.transaction():
            lab.insert(b := lab.batch("B", 50), conn)
        changed = rng.sample(a, 15)
        with conn.transaction():
            for i in changed:
                letter, amount, memo = lab.rows[i]
                lab.rows[i] = (letter, amount + 7, memo)
                conn.execute("UPDATE ledger SET amount = amount + 7 WHERE id = %s", (i,))
        gone = rng.sample(sorted(set(a) - set(changed)), 10)
        with conn.transaction():
            for i in gone:
                del lab.rows[i]
                conn.execute("DELETE FROM ledger WHERE id = %s", (i,))
            xid = conn.execute("SELECT pg_current_xact_id()::text").fetchone()[0]
        # TIME as PostgreSQL prints it, in a time zone far from UTC: pass it on unchanged.
        conn.execute(f"SET TimeZone = {_quote(far_timezone())}")
        target = conn.execute(
            "SELECT pg_xact_commit_timestamp(xid(%s::xid8))::text", (xid,)
        ).fetchone()[0]
        if target is None:
            pytest.skip("this server did not record commit times (track_commit_timestamp)")
        as_of_target = dict(lab.rows)
        notes = set(lab.notes)

        # Batch C, after TIME: new rows, changed and deleted rows, then the accident.
        with conn.transaction():
            lab.insert(lab.batch("C", 40), conn)
        with conn.transaction():
            for i in rng.sample(sorted(b), 12):
                letter, amount, memo = lab.rows[i]
                lab.rows[i] = (letter, amount * 2, memo)
                conn.execute("UPDATE ledger SET amount = amount * 2 WHERE id = %s", (i,))
        with conn.transaction():
            for i in rng.sample(sorted(set(as_of_target) & set(a)), 8):
                del lab.rows[i]
                conn.execute("DELETE FROM ledger WHERE id = %s", (i,))
        conn.execute("DROP TABLE notes")
    lab.notes = set()
    before = lab.archiver()
    segment = lab.switch_wal("after the accident")
    now = lab.wait_archiver(segment, before)
    if not lab.archived(segment, now) or not (lab.archive / segment).is_file():
        raise CheckFailure(
            f"setup: the WAL segment {segment} holding the last changes was not archived into "
            f"ARCHIVE_DIR within {SETTLE:g} s (pg_stat_archiver: {now}); see the archiving stage"
        )
    return Drill(lab, backups[-1], target, as_of_target, dict(lab.rows), notes, ledger_file, gone)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@pytest.fixture(scope="session")
def drill(primary) -> Drill:
    """The primary after the scenario, its archive and its newest backup (built once per run)."""
    return primary.drill()


def read_ledger(cluster: Cluster) -> dict[int, tuple[str, int, str | None]]:
    rows = query(cluster, "SELECT id, batch, amount, memo FROM ledger", database=DATABASE)
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def describe_rows(rows: dict[int, tuple[str, int, str | None]], ids: list[int], n: int = 4) -> str:
    shown = ", ".join(f"(id {i}, batch {rows[i][0]}, amount {rows[i][1]})" for i in ids[:n])
    more = f" and {len(ids) - n} more" if len(ids) > n else ""
    return shown + more


def compare_ledger(
    got: dict[int, tuple[str, int, str | None]],
    want: dict[int, tuple[str, int, str | None]],
    what: str,
    repro: str = "",
) -> None:
    """``got`` is exactly ``want``; the message says which batch is missing or extra."""
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    changed = sorted(i for i in set(got) & set(want) if got[i] != want[i])
    if not (missing or extra or changed):
        return
    parts = [f"{what}: expected {len(want)} ledger rows, got {len(got)}"]
    if missing:
        batches = sorted({want[i][0] for i in missing})
        parts.append(f"missing rows of batch {'/'.join(batches)}: {describe_rows(want, missing)}")
    if extra:
        batches = sorted({got[i][0] for i in extra})
        parts.append(
            f"rows that should not be there (batch {'/'.join(batches)}): "
            f"{describe_rows(got, extra)}"
        )
    if changed:
        shown = ", ".join(
            f"id {i}: amount {got[i][1]} instead of {want[i][1]}" for i in changed[:4]
        )
        more = f" and {len(changed) - 4} more" if len(changed) > 4 else ""
        parts.append(f"rows with other values: {shown}{more}")
    message = "; ".join(parts)
    raise CheckFailure(with_repro(message, repro) if repro else message)


def restored(drill: Drill, key: str) -> Cluster:
    """The drill restored by restore.sh (``to-time``: with --to TIME; ``latest``: without) and
    started, made once per run; a failed restore fails every check that needs it."""
    if key not in drill.restores:
        args = ("--to", drill.target) if key == "to-time" else ()
        shown = f"restore.sh --to '{drill.target}'" if args else "restore.sh"
        lab = drill.lab
        target = lab.new_dir(f"restore-{key}")
        try:
            if not args:
                # Everything written so far must be in the archive (other stages may have
                # written since the drill): the expected end is what the primary holds now.
                before = lab.archiver()
                segment = lab.switch_wal("before the restore to the end")
                now = lab.wait_archiver(segment, before)
                expect(
                    lab.archived(segment, now),
                    f"setup: {segment} was not archived within {SETTLE:g} s (pg_stat_archiver: "
                    f"{now}); see the archiving stage",
                )
                drill.at_end = dict(lab.rows)
            ran = lab.run("restore.sh", args, TARGET_PGDATA=str(target))
            expect(
                ran.code == 0,
                with_repro(
                    f"expected `{shown}` to exit 0 (a good backup, a complete archive, an empty "
                    f"TARGET_PGDATA), it exited {ran.code}; its output: {ran.tail()}",
                    RESTORE_REPRO,
                ),
            )
            drill.restores[key] = lab.start_restored(target, f"restored-{key}")
        except CheckFailure as exc:
            drill.restores[key] = exc
    got = drill.restores[key]
    if isinstance(got, CheckFailure):
        raise CheckFailure(str(got))
    return got


def copy_backup(drill: Drill, what: str) -> tuple[Path, Path]:
    """A copy of the drill's backup in a BACKUP_DIR of its own: (that folder, the copy)."""
    folder = drill.lab.new_dir(what)
    copy = folder / drill.backup.name
    shutil.copytree(drill.backup, copy, symlinks=True)
    chown_tree(folder, drill.lab.cluster)
    return folder, copy


def manifest(backup: Path) -> dict[str, Any]:
    try:
        return json.loads((backup / "backup_manifest").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise CheckFailure(f"could not read {backup.name}/backup_manifest as JSON: {exc}") from None
