"""Shared set-up for the dba-replication graders: a primary the grader runs, and the standby
the learner's scripts make of it.

A :class:`Pair` is built step by step, each step once per grading run: the primary (a fresh
durable cluster whose replication is off: ``max_wal_senders = 0``), ``setup-primary.sh`` and a
restart, ``setup-replica.sh`` and PostgreSQL started on the copy it made, and streaming. A step
that failed fails every later check that needs it with the same message. Two pairs exist per
run: an asynchronous one (stages streaming, lag, failover) and a synchronous one
(``SYNC=1``: stages synchronous, game-day); a stage graded on its own builds its pair itself.

The learner's scripts run as the servers' OS user with the PostgreSQL tools first on PATH.
Nothing here depends on how fast the machine is: every wait is a poll for a state with a
generous bound, and "a commit waits" is seen in ``pg_stat_activity`` (wait event ``SyncRep``),
never inferred from a duration.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from learnpath.grading.checks import CheckFailure, expect
from learnpath.grading.process import free_port
from learnpath.services.base import ServiceError, log_tail
from learnpath.services.postgres import Cluster, find_bin_dir

SETTLE = 20.0  # seconds: the bound of every poll (WAL reaching the standby, a slot going active)
SCRIPT_TIMEOUT = 120.0
FAILOVER_TIMEOUT = 25.0  # failover.sh runs inside a check, which has its own bound
POLL = 0.05
# The grader's own setting on every standby: report progress every second (instead of 10 s) so
# that pg_stat_replication on the primary is fresh when lag.sql reads it.
STATUS_INTERVAL = "1s"
LOG_LINES = 8
_NAME_CHARS = "abcdefghjkmnpqrstuvwxyz23456789"


_OUTCOMES = {
    "": f" within {SETTLE:g} s",
    "other name": ", another name streams instead (primary_conninfo needs "
    "application_name=$REPLICA_NAME)",
    "left recovery": ", the standby left recovery and is a primary of its own now",
}


# -- small helpers ------------------------------------------------------------------------------


def connect(cluster: Cluster, *, timeout: float = 5.0) -> psycopg.Connection[Any]:
    return psycopg.connect(cluster.dsn(), autocommit=True, connect_timeout=max(1, int(timeout)))


def one(cluster: Cluster, sql: str, params: Any = None) -> Any:
    """The first column of the first row of ``sql`` on ``cluster`` (None without rows)."""
    with connect(cluster) as conn:
        row = conn.execute(sql, params).fetchone()
    return row[0] if row else None


def rows(cluster: Cluster, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    with connect(cluster) as conn:
        return [tuple(r) for r in conn.execute(sql, params).fetchall()]


def poll(probe: Callable[[], Any], bound: float = SETTLE, *, errors: tuple[type, ...] = ()) -> Any:
    """``probe()`` until it returns something truthy (returned) or ``bound`` s pass (None)."""
    deadline = time.monotonic() + bound
    while True:
        with contextlib.suppress(*errors):
            got = probe()
            if got:
                return got
        if time.monotonic() > deadline:
            return None
        time.sleep(POLL)


def server_log(cluster: Cluster | None, n: int = LOG_LINES) -> str:
    if cluster is None:
        return "(no log)"
    return log_tail(cluster.log_path, n) or "(empty)"


def replication_view(primary: Cluster) -> str:
    """pg_stat_replication on the primary, in a few words, for messages."""
    try:
        found = rows(
            primary,
            "SELECT application_name, state, sync_state, sent_lsn, flush_lsn, replay_lsn "
            "FROM pg_stat_replication ORDER BY application_name",
        )
    except psycopg.Error as exc:
        return f"(could not read pg_stat_replication: {str(exc).strip()})"
    if not found:
        return "pg_stat_replication on the primary is empty (no standby connected)"
    return "pg_stat_replication on the primary: " + "; ".join(
        f"application_name={r[0]!r} state={r[1]} sync_state={r[2]} sent={r[3]} "
        f"flushed={r[4]} replayed={r[5]}"
        for r in found
    )


def kill_strays(folder: Path, keep: set[int]) -> None:
    """Stop any PostgreSQL a learner's script started itself (``pg_ctl start`` detaches it)
    on a data folder under ``folder``: it must not outlive the grading run. Only a process
    that is a ``postgres`` on that very folder is signalled (never a reused pid)."""
    with contextlib.suppress(OSError):
        for pidfile in folder.glob("**/postmaster.pid"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                pid = int(pidfile.read_text().splitlines()[0])
                if pid <= 1 or pid in keep:
                    continue
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                if not cmdline or not cmdline[0].endswith(b"postgres"):
                    continue
                if str(pidfile.parent).encode() not in cmdline:
                    continue
                os.kill(pid, signal.SIGQUIT)
                time.sleep(0.2)
                if os.getpgid(pid) == pid:
                    os.killpg(pid, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGKILL)


class CommitProbe:
    """One INSERT on ``cluster`` in a thread, watched from a second connection: does its commit
    wait for a synchronous standby (wait event ``SyncRep``)? Seen, not timed."""

    def __init__(self, cluster: Cluster, statement: str, params: Any = None, bound: float = SETTLE):
        self.cluster = cluster
        self.statement = statement
        self.params = params
        self.bound = bound
        self.error: Exception | None = None

    def waits(self) -> bool:
        """True as soon as the commit is seen waiting in SyncRep (the wait is then cancelled:
        the row stays committed locally); False when it returned without waiting."""
        conn = connect(self.cluster)
        pid = conn.info.backend_pid
        conn.execute(f"SET statement_timeout = {int(self.bound * 1000) + 5000}")

        def work() -> None:
            try:
                conn.execute(self.statement, self.params)
            except Exception as exc:  # reported by the caller
                self.error = exc

        worker = threading.Thread(target=work, daemon=True)
        seen = False
        try:
            with connect(self.cluster) as watcher:
                worker.start()
                deadline = time.monotonic() + self.bound
                while worker.is_alive() and time.monotonic() < deadline:
                    event = watcher.execute(
                        "SELECT wait_event FROM pg_stat_activity WHERE pid = %s", (pid,)
                    ).fetchone()
                    if event and event[0] == "SyncRep":
                        seen = True
                        watcher.execute("SELECT pg_cancel_backend(%s)", (pid,))
                        break
                    time.sleep(0.02)
            worker.join(self.bound + 10)
        finally:
            conn.close()
        return seen


def commit_completes(cluster: Cluster, statement: str, params: Any = None) -> str | None:
    """Run one INSERT on ``cluster`` and watch it; None when it committed, else what went wrong.

    A commit that waits for a synchronous standby (wait event ``SyncRep``) while the
    configuration files set ``synchronous_standby_names`` and no standby is connected would
    wait forever: that is decided from the server's state at once, not from how long the
    commit took. (A commit waiting while a reload that clears the setting is still on its way
    is released by it; the files already say so.)"""
    conn = connect(cluster)
    pid = conn.info.backend_pid
    conn.execute("SET statement_timeout = '5min'")
    failed: list[str] = []

    def work() -> None:
        try:
            conn.execute(statement, params)
        except psycopg.Error as exc:
            failed.append(f"it failed: {str(exc).strip()} (SQLSTATE {exc.sqlstate})")

    worker = threading.Thread(target=work, daemon=True)
    verdict: str | None = None
    try:
        with connect(cluster) as watcher:
            worker.start()
            deadline = time.monotonic() + SETTLE
            while worker.is_alive():
                event = watcher.execute(
                    "SELECT wait_event FROM pg_stat_activity WHERE pid = %s", (pid,)
                ).fetchone()
                if event and event[0] == "SyncRep":
                    # What the configuration files say now (a reload cannot change it),
                    # not what this session happened to start with.
                    names = watcher.execute(
                        "SELECT coalesce((SELECT setting FROM pg_file_settings "
                        "WHERE name = 'synchronous_standby_names' AND applied "
                        "ORDER BY seqno DESC LIMIT 1), '')"
                    ).fetchone()[0]
                    standbys = watcher.execute(
                        "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
                    ).fetchone()[0]
                    if names and not standbys:
                        verdict = (
                            f"its commit waits for a synchronous standby "
                            f"(synchronous_standby_names = {names!r}) and no standby is "
                            "connected: it would wait forever"
                        )
                        break
                if time.monotonic() > deadline:
                    verdict = (
                        f"it had not completed after {SETTLE:g} s (wait event "
                        f"{event[0] if event else None!r})"
                    )
                    break
                time.sleep(0.02)
            if verdict is not None:
                watcher.execute("SELECT pg_cancel_backend(%s)", (pid,))
        worker.join(SETTLE)
    finally:
        conn.close()
    return verdict or (failed[0] if failed else None)


@contextlib.contextmanager
def pg_errors(what: str) -> Iterator[None]:
    """A PostgreSQL error inside becomes a failed check saying what was being done."""
    try:
        yield
    except psycopg.Error as exc:
        state = f" (SQLSTATE {exc.sqlstate})" if exc.sqlstate else ""
        raise CheckFailure(f"{what}: PostgreSQL answered {str(exc).strip()!r}{state}") from None


# -- the pair -----------------------------------------------------------------------------------


class Pair:
    """A primary and the standby the learner's scripts make of it."""

    def __init__(self, project: Any, uid: str, *, sync: bool, label: str):
        rnd = random.Random(f"{uid}-{label}")
        # A fresh name per run: a script with a hard-coded name fails.
        self.name = "standby_" + "".join(rnd.choices(_NAME_CHARS, k=6))
        self.rnd = rnd
        self.sync = sync
        self.project = project
        self.primary: Cluster | None = None
        self.replica: Cluster | None = None
        self.replica_data: Path | None = None
        self.replica_port = 0
        self.system_id: int | None = None
        # What one stage leaves for its next check (see the stage's test file).
        self.sync_table: tuple[str, set[tuple[Any, ...]]] | None = None
        self.failover_result: dict[str, Any] | CheckFailure | None = None
        self.game_day_result: dict[str, Any] | CheckFailure | None = None
        self._stack = contextlib.ExitStack()
        self._done: dict[str, BaseException | None] = {}
        self._shown: set[str] = set()  # failed steps already reported by a check
        self._preparing = False

    # -- bookkeeping ------------------------------------------------------------------------

    def _step(self, key: str, action: Callable[[], None]) -> None:
        """Run ``action`` once. Later calls return at once, or repeat its failure: as is in
        the first check that meets it, as "not checked" in the ones after."""
        if key in self._done:
            failed = self._done[key]
            if failed is None:
                return
            if key not in self._shown and not self._preparing:
                self._shown.add(key)
                raise failed
            if isinstance(failed, CheckFailure):
                raise CheckFailure(f"not checked: an earlier step failed: {failed}")
            raise failed
        try:
            action()
        except (CheckFailure, pytest.skip.Exception) as exc:
            self._done[key] = exc
        except psycopg.Error as exc:
            self._done[key] = CheckFailure(
                f"{key}: PostgreSQL answered {str(exc).strip()!r} — {server_log(self.primary)}"
            )
        else:
            self._done[key] = None
            return
        self._step(key, action)  # raise it

    def prepare(self) -> None:
        """Build the pair up to streaming before the checks run (outside their time bound);
        a failure is kept for the check it belongs to."""
        self._preparing = True
        try:
            self.streaming_ready()
        except (CheckFailure, pytest.skip.Exception):
            pass
        finally:
            self._preparing = False

    def close(self) -> None:
        keep = {c.proc.pid for c in (self.primary, self.replica) if c and c.proc}
        for cluster in (self.replica, self.primary):
            if cluster is not None:
                kill_strays(cluster.folder, keep)
        self._stack.close()

    def script(
        self, rel: str, env: dict[str, str], cluster: Cluster, timeout: float = SCRIPT_TIMEOUT
    ) -> Any:
        """Run the learner's ``rel`` as the cluster's OS user; it must exit 0."""
        ran = self.project.script(rel, env=env, timeout=timeout, user=cluster.user)
        expect(
            ran.code == 0,
            f"expected {rel} to exit 0, it exited {ran.code}; its output: {ran.tail()}",
        )
        return ran

    # -- the primary --------------------------------------------------------------------------

    def primary_env(self) -> dict[str, str]:
        assert self.primary is not None
        return {
            **self.primary.env(),
            "REPLICA_NAME": self.name,
            "SYNC": "1" if self.sync else "0",
        }

    def primary_ready(self) -> None:
        """setup-primary.sh has run on a fresh primary, which was restarted after it."""
        self._step("setup-primary.sh", self._prepare_primary)

    def _prepare_primary(self) -> None:
        if find_bin_dir() is None:
            pytest.skip(
                "PostgreSQL's server programs (initdb, postgres, pg_basebackup) are not "
                "installed here: install them (Debian/Ubuntu: sudo apt install postgresql)"
            )
        # Replication off, as on a server nobody has prepared for it yet.
        self.primary = self._stack.enter_context(
            Cluster(name="primary", options={"max_wal_senders": "0"}, durable=True)
        )
        self.system_id = one(self.primary, "SELECT system_identifier FROM pg_control_system()")
        self.project.path("setup-primary.sh")
        self.script("setup-primary.sh", self.primary_env(), self.primary)
        again = self.project.script(
            "setup-primary.sh",
            env=self.primary_env(),
            timeout=SCRIPT_TIMEOUT,
            user=self.primary.user,
        )
        expect(
            again.code == 0,
            f"expected setup-primary.sh to succeed when run a second time (the slot exists by "
            f"then), it exited {again.code}; its output: {again.tail()}",
        )
        try:
            self.primary.restart()
        except ServiceError as exc:
            raise CheckFailure(
                f"the primary did not start again after setup-primary.sh (the grader restarts "
                f"it so that settings needing a restart take effect): {exc}"
            ) from None
        senders = int(one(self.primary, "SHOW max_wal_senders"))
        level = one(self.primary, "SHOW wal_level")
        expect(
            senders > 0 and level in ("replica", "logical"),
            "expected the primary to allow streaming replication after setup-primary.sh and a "
            f"restart (wal_level replica or logical, max_wal_senders > 0), got wal_level = "
            f"{level}, max_wal_senders = {senders} (it starts with max_wal_senders = 0; set "
            "it with ALTER SYSTEM). Reproduce: psql -c 'SHOW max_wal_senders' on the primary",
        )
        slot = rows(
            self.primary,
            "SELECT slot_type FROM pg_replication_slots WHERE slot_name = %s",
            (self.name,),
        )
        names = [r[0] for r in rows(self.primary, "SELECT slot_name FROM pg_replication_slots")]
        expect(
            slot == [("physical",)],
            f"expected setup-primary.sh to create a physical replication slot named "
            f"$REPLICA_NAME ({self.name!r}), found slots {names or 'none'} "
            f"(pg_replication_slots). Use pg_create_physical_replication_slot(...)",
        )

    # -- the standby --------------------------------------------------------------------------

    def replica_started(self) -> None:
        """setup-replica.sh made a data directory and PostgreSQL runs on it."""
        self.primary_ready()
        self._step("setup-replica.sh", self._make_replica)

    def _make_replica(self) -> None:
        assert self.primary is not None
        folder = self.primary.make_dir("standby")
        self.replica_data = folder / "data"
        self.replica_port = free_port()
        env = {
            **self.primary_env(),
            "REPLICA_PGDATA": str(self.replica_data),
            "REPLICA_PORT": str(self.replica_port),
        }
        env.pop("PGDATA", None)
        env.pop("SYNC", None)
        self.project.path("setup-replica.sh")
        self.script("setup-replica.sh", env, self.primary)
        expect(
            (self.replica_data / "PG_VERSION").is_file(),
            f"expected setup-replica.sh to create a data directory in $REPLICA_PGDATA "
            f"({self.replica_data}), found no PG_VERSION there (pg_basebackup -D "
            '"$REPLICA_PGDATA" ...)',
        )
        try:
            self.replica = self._stack.enter_context(
                Cluster.on_existing(self.replica_data, name="replica", port=self.replica_port)
            )
        except ServiceError as exc:
            raise CheckFailure(
                f"PostgreSQL did not start on the data directory setup-replica.sh made: {exc}"
            ) from None
        with connect(self.replica) as conn:
            conn.execute(f"ALTER SYSTEM SET wal_receiver_status_interval = '{STATUS_INTERVAL}'")
            conn.execute("SELECT pg_reload_conf()")

    def replica_env(self) -> dict[str, str]:
        assert self.replica is not None
        return {**self.replica.env(), "REPLICA_NAME": self.name}

    def standby_state(self) -> bool:
        assert self.replica is not None
        return bool(one(self.replica, "SELECT pg_is_in_recovery()"))

    def streaming_ready(self) -> None:
        """The standby is in recovery and streams from the primary under its name."""
        self.replica_started()
        self._step("streaming", self._wait_streaming)

    def _wait_streaming(self) -> None:
        assert self.primary is not None and self.replica is not None
        expect(
            self.standby_state(),
            "expected the copy to start as a standby (pg_is_in_recovery() = true on it), it "
            "started as a primary of its own: setup-replica.sh must leave standby.signal and "
            "primary_conninfo in it (pg_basebackup -R), not recovery.signal or nothing. "
            f"Its log: {server_log(self.replica)}",
        )
        outcome = self.wait_streaming()
        expect(
            outcome == "streaming",
            f"expected the standby to stream from the primary as {self.name!r} "
            f"(application_name = $REPLICA_NAME){_OUTCOMES.get(outcome or '', '')}; "
            f"{replication_view(self.primary)}. The standby's log: "
            f"{server_log(self.replica)}",
        )

    def wait_streaming(self, bound: float = SETTLE) -> str | None:
        """Until the standby streams under its name ("streaming"), or it is clear it will not:
        another WAL receiver streams ("other name"), or the standby left recovery ("left
        recovery"). None after ``bound`` s."""
        assert self.primary is not None and self.replica is not None
        primary, replica = self.primary, self.replica

        def decided() -> str | None:
            found = rows(
                primary,
                "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'",
            )
            names = {r[0] for r in found}
            if self.name in names:
                return "streaming"
            if names - {"pg_basebackup"}:
                return "other name"
            if not one(replica, "SELECT pg_is_in_recovery()"):
                return "left recovery"
            return None

        return poll(decided, bound, errors=(psycopg.Error,))

    def wait_replayed(self, bound: float = SETTLE) -> bool:
        """Until the standby has replayed everything the primary has written so far."""
        assert self.primary is not None and self.replica is not None
        target = one(self.primary, "SELECT pg_current_wal_lsn()")
        replica = self.replica
        return bool(
            poll(
                lambda: one(
                    replica,
                    "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s::pg_lsn) >= 0",
                    (str(target),),
                ),
                bound,
                errors=(psycopg.Error,),
            )
        )

    def wait_flushed(self, bound: float = SETTLE) -> Any:
        """Until the primary knows the standby flushed everything written so far; that LSN."""
        assert self.primary is not None
        target = one(self.primary, "SELECT pg_current_wal_lsn()")
        primary = self.primary
        ok = poll(
            lambda: one(
                primary,
                "SELECT pg_wal_lsn_diff(flush_lsn, %s::pg_lsn) >= 0 FROM pg_stat_replication "
                "WHERE application_name = %s",
                (str(target), self.name),
            ),
            bound,
            errors=(psycopg.Error,),
        )
        return target if ok else None

    def sync_state(self) -> str | None:
        assert self.primary is not None
        return one(
            self.primary,
            "SELECT sync_state FROM pg_stat_replication WHERE application_name = %s",
            (self.name,),
        )

    def sync_settings(self) -> str:
        assert self.primary is not None
        try:
            names = one(self.primary, "SHOW synchronous_standby_names")
            commit = one(self.primary, "SHOW synchronous_commit")
        except psycopg.Error:
            return "(the primary's settings could not be read)"
        return f"synchronous_standby_names = {names!r}, synchronous_commit = {commit!r}"

    def wait_sync(self) -> None:
        """The standby is the primary's synchronous standby (sync_state sync or quorum)."""
        self.streaming_ready()
        assert self.primary is not None
        primary = self.primary

        def decided() -> str | None:
            # A standby's priority is fixed when its WAL sender starts; once the standby has
            # reported a flush position, 'async' means synchronous_standby_names does not name
            # it (before that PostgreSQL shows every standby as 'async').
            found = rows(
                primary,
                "SELECT state, sync_state, flush_lsn IS NOT NULL FROM pg_stat_replication "
                "WHERE application_name = %s",
                (self.name,),
            )
            if any(r[1] in ("sync", "quorum") for r in found):
                return "sync"
            if found and all(r == ("streaming", "async", True) for r in found):
                return "async"
            return None

        state = poll(decided, errors=(psycopg.Error,))
        expect(
            state == "sync",
            f"expected the standby {self.name!r} to be synchronous with SYNC=1 "
            f"(pg_stat_replication.sync_state 'sync' or 'quorum'), got "
            f"{self.sync_state()!r}; the primary has {self.sync_settings()}. "
            f"{replication_view(primary)}",
        )

    @contextlib.contextmanager
    def replay_paused(self) -> Iterator[None]:
        """Replay paused on the standby (WAL still arrives and is flushed, nothing applied)."""
        assert self.replica is not None
        replica = self.replica
        with connect(replica) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")
        paused = poll(
            lambda: one(replica, "SELECT pg_get_wal_replay_pause_state()") == "paused",
            errors=(psycopg.Error,),
        )
        expect(paused, "setup: replay on the standby did not pause (pg_wal_replay_pause())")
        try:
            yield
        finally:
            with contextlib.suppress(psycopg.Error), connect(replica) as conn:
                if conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                    conn.execute("SELECT pg_wal_replay_resume()")

    def run_failover(self) -> Any:
        """failover.sh against the standby (the primary is gone); it must exit 0."""
        assert self.replica is not None
        self.project.path("failover.sh")
        return self.script("failover.sh", self.replica_env(), self.replica, FAILOVER_TIMEOUT)


def make_table(cluster: Cluster, table: str, rnd: random.Random, n: int) -> set[tuple[Any, ...]]:
    """A table of ``n`` random rows (some NULL notes), inserted in a shuffled order."""
    ids = rnd.sample(range(1, 10 * n + 1), n)
    data = [(i, rnd.randint(-500, 5000), None if rnd.random() < 0.2 else f"n{i}") for i in ids]
    with connect(cluster) as conn:
        conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, amount int, note text)")
        with conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {table} VALUES (%s, %s, %s)", data)
    return set(data)


def table_rows(cluster: Cluster, table: str) -> set[tuple[Any, ...]]:
    return set(rows(cluster, f"SELECT id, amount, note FROM {table}"))


def table_name(pair: Pair, what: str) -> str:
    return f"{what}_" + "".join(pair.rnd.choices("abcdefghijkmnpqrstuvwxyz", k=5))


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def async_pair(project: Any, uid: str) -> Iterator[Pair]:
    """A primary with one asynchronous standby (SYNC=0)."""
    pair = Pair(project, uid, sync=False, label="async")
    try:
        pair.prepare()
        yield pair
    finally:
        pair.close()


@pytest.fixture(scope="session")
def sync_pair(project: Any, uid: str) -> Iterator[Pair]:
    """A primary with one synchronous standby (SYNC=1)."""
    pair = Pair(project, uid, sync=True, label="sync")
    try:
        pair.prepare()
        yield pair
    finally:
        pair.close()


@pytest.fixture(scope="session")
def streaming_async(async_pair: Pair) -> Pair:
    """The asynchronous pair, streaming (the work of stage streaming)."""
    async_pair.streaming_ready()
    return async_pair


@pytest.fixture(scope="session")
def streaming_sync(sync_pair: Pair) -> Pair:
    """The synchronous pair (SYNC=1), streaming."""
    sync_pair.streaming_ready()
    return sync_pair
