"""A real, throwaway PostgreSQL server for one run.

``initdb`` into a temporary folder, then ``postgres`` itself as a child in its own session
(not ``pg_ctl``, which would detach it from us), listening on 127.0.0.1 only with its socket
inside that folder, durability switched off (fsync, full-page writes, synchronous commit)
because nothing in it has to survive. Teardown is PostgreSQL's immediate shutdown (SIGQUIT),
then SIGKILL for the group, then the folder goes.

With ``LEARNPATH_POSTGRES_URL`` set, no server is started: a uniquely named database is
created on that server for the run and dropped after it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
import urllib.parse
from pathlib import Path
from typing import Any

from learnpath.grading.process import free_port
from learnpath.services.base import (
    STOP_GRACE,
    Service,
    ServiceError,
    Started,
    log_tail,
    make_tempdir,
    remove_tempdir,
    run_quiet,
    spawn,
    stop_process,
    unprivileged_user,
)

URL_ENV = "LEARNPATH_POSTGRES_URL"
SUPERUSER = "learnpath"
DATABASE = "app"
READY_TIMEOUT = 30.0
# Where PostgreSQL's server programs live when they are not on PATH (Debian/Ubuntu keep them
# out of it; Homebrew's versioned formulae are keg-only), newest version first.
SEARCH_GLOBS = (
    "/usr/lib/postgresql/*/bin",
    "/usr/pgsql-*/bin",
    "/opt/homebrew/opt/postgresql@*/bin",
    "/usr/local/opt/postgresql@*/bin",
    "/opt/homebrew/opt/postgresql/bin",
    "/usr/local/opt/postgresql/bin",
    "/usr/local/pgsql/bin",
    "/Applications/Postgres.app/Contents/Versions/*/bin",
)


def far_timezone(now: dt.datetime | None = None) -> str:
    """A session time zone in which today's date is not the UTC date (UTC-12 before noon UTC,
    UTC+14 after), so a server that takes "the day" from the database session's zone instead of
    UTC shows it at any hour, and a correct server never depends on the zone it is given."""
    hour = (now or dt.datetime.now(dt.UTC)).hour
    return "Etc/GMT+12" if hour < 12 else "Pacific/Kiritimati"


MISSING = (
    "this exercise needs PostgreSQL, and its server programs (initdb, postgres) were not found "
    "on PATH or in the usual places: install it (Debian/Ubuntu: 'sudo apt install postgresql', "
    f"macOS: 'brew install postgresql@16'), or set {URL_ENV} to a server you run"
)


def _version_key(folder: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", folder)) or (0,)


def find_bin_dir() -> Path | None:
    """The folder holding ``initdb`` and ``postgres``: from PATH, else the newest of the usual
    install locations; None if there is none."""
    on_path = shutil.which("initdb")
    if on_path is not None:
        folder = Path(os.path.realpath(on_path)).parent
        if (folder / "postgres").is_file():
            return folder
    found = [d for pattern in SEARCH_GLOBS for d in glob.glob(pattern)]
    for name in sorted(found, key=_version_key, reverse=True):
        path = Path(name)
        if (path / "initdb").is_file() and (path / "postgres").is_file():
            return path
    return None


def _connect(dsn: str, timeout: float = 5.0) -> Any:
    import psycopg

    return psycopg.connect(dsn, autocommit=True, connect_timeout=max(1, int(timeout)))


def _with_database(url: str, database: str) -> str:
    """``url`` pointing at ``database`` instead of its own."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(database)))


def _redact(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


class Cluster:
    """One throwaway PostgreSQL server: ``initdb`` into a temporary folder (or an existing data
    folder, :meth:`on_existing`), ``postgres`` as a child in its own session, 127.0.0.1 only,
    its socket inside that folder. The postgres service runs one for the learner's server;
    database-administration graders run several (a primary, a replica, a restored copy) and hand
    their folders to the learner's scripts.

    Settings go into ``postgresql.conf`` rather than the command line, because command-line
    settings would override what a learner's script sets with ``ALTER SYSTEM``. ``durable=False``
    (the service's default) switches fsync, full-page writes and synchronous commit off, since
    nothing in it has to survive; DBA graders keep them on. Use it as a context manager:
    :meth:`close` stops the server and removes its folder.
    """

    def __init__(
        self,
        name: str = "postgres",
        *,
        options: dict[str, str] | None = None,
        durable: bool = True,
        port: int | None = None,
        ready_timeout: float = READY_TIMEOUT,
    ):
        self.name = name
        self.options = dict(options or {})
        self.durable = durable
        self.port = port or free_port()
        self.ready_timeout = ready_timeout
        self.bindir = find_bin_dir() or _missing()
        self.user = unprivileged_user()
        self.folder = make_tempdir(name, owner=self.user)
        self.data_dir = self.folder / "data"
        self.proc: subprocess.Popen[bytes] | None = None
        self._existing = False

    @classmethod
    def on_existing(
        cls,
        data_dir: Path,
        *,
        name: str = "postgres",
        port: int | None = None,
        ready_timeout: float = READY_TIMEOUT,
    ) -> Cluster:
        """A cluster for a data folder someone else made (a restored backup, a replica); only
        the port and socket folder are set, on the command line, so its own settings hold."""
        cluster = cls(name, port=port, ready_timeout=ready_timeout)
        cluster.data_dir = Path(data_dir)
        cluster._existing = True
        return cluster

    def __enter__(self) -> Cluster:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def log_path(self) -> Path:
        return self.folder / "postgres.log"

    def env(self) -> dict[str, str]:
        """What a script needs to reach this server with the PostgreSQL tools."""
        return {
            "PATH": f"{self.bindir}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.port),
            "PGUSER": SUPERUSER,
            "PGDATABASE": "postgres",
            "PGDATA": str(self.data_dir),
            "LC_ALL": "C",
            "LANG": "C",
            "TZ": "UTC",
        }

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def make_dir(self, name: str) -> Path:
        """A folder inside this cluster's temporary folder that its OS user owns."""
        path = self.folder / name
        path.mkdir(mode=0o700, exist_ok=True)
        if self.user is not None:
            os.chown(path, self.user.uid, self.user.gid)
        return path

    def start(self) -> None:
        if not self._existing and not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        with self.log_path.open("ab") as log:
            self.proc = spawn(
                [
                    str(self.bindir / "postgres"),
                    "-D",
                    str(self.data_dir),
                    "-p",
                    str(self.port),
                    "-k",
                    str(self.folder),
                    "-c",
                    "listen_addresses=127.0.0.1",
                ],
                log=log,
                cwd=self.folder,
                env=self._tool_env(),
                user=self.user,
            )
        self._wait_ready()

    def _tool_env(self) -> dict[str, str]:
        return {"PATH": os.environ.get("PATH", os.defpath), "LC_ALL": "C", "LANG": "C", "TZ": "UTC"}

    def _initdb(self) -> None:
        # -N: no fsync of the new cluster; C locale with UTF-8 exists on every system. Trust
        # authentication: the server listens on 127.0.0.1 only and lives for one run.
        done = run_quiet(
            [
                str(self.bindir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "-N",
            ],
            cwd=self.folder,
            env=self._tool_env(),
            user=self.user,
        )
        if done.returncode != 0:
            lines = done.stdout.strip().splitlines()[-3:] + done.stderr.strip().splitlines()[-5:]
            raise ServiceError(f"initdb failed (exit {done.returncode}): {' | '.join(lines)}")
        settings = {"logging_collector": "off", "max_connections": "100"}
        if not self.durable:
            settings.update(fsync="off", full_page_writes="off", synchronous_commit="off")
        settings.update(self.options)
        lines = [f"{key} = '{_conf_quote(value)}'" for key, value in settings.items()]
        with (self.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# set by learnpath for this run\n" + "\n".join(lines) + "\n")

    def _wait_ready(self) -> None:
        import psycopg

        assert self.proc is not None
        deadline = time.monotonic() + self.ready_timeout
        while True:
            code = self.proc.poll()
            if code is not None:
                raise ServiceError(
                    f"PostgreSQL ({self.name}) exited with code {code} while starting: "
                    f"{log_tail(self.log_path)}"
                )
            try:
                _connect(self.dsn(), timeout=2).close()
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise ServiceError(
                        f"PostgreSQL ({self.name}) did not accept connections on "
                        f"127.0.0.1:{self.port} within {self.ready_timeout:g} s "
                        f"({str(exc).strip()}): {log_tail(self.log_path)}"
                    ) from None
            time.sleep(0.02)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``smart``, ``fast`` (a clean shutdown with a checkpoint) or
        ``immediate`` (no checkpoint, as after a crash); its data folder stays."""
        sig = {"smart": signal.SIGTERM, "fast": signal.SIGINT, "immediate": signal.SIGQUIT}[mode]
        proc, self.proc = self.proc, None
        stop_process(proc, sig, grace=30.0 if mode != "immediate" else STOP_GRACE)

    def kill(self) -> None:
        """SIGKILL the server and its backends: a machine that lost power."""
        proc, self.proc = self.proc, None
        stop_process(proc, signal.SIGKILL)

    def restart(self) -> None:
        self.stop("fast")
        self.start()

    def close(self) -> None:
        """Stop the server at once and remove its folder (not a data folder it was given)."""
        self.stop("immediate")
        remove_tempdir(self.folder)


def _conf_quote(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("'", "''")


def _missing() -> Path:
    raise ServiceError(MISSING)


def statements_library(bindir: Path) -> bool:
    """Whether this installation has pg_stat_statements (Debian ships it with the server; other
    systems put it in a separate contrib package)."""
    libdir = bindir.parent / "lib"
    pg_config = bindir / "pg_config"
    if pg_config.is_file():
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [str(pg_config), "--pkglibdir"],
                check=False,
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout.strip()
            libdir = Path(out) if out else libdir
    return (libdir / "pg_stat_statements.so").is_file()


class Postgres(Service):
    """PostgreSQL for one run: ``DATABASE_URL`` for the server, ``dsn`` for graders."""

    name = "postgres"

    def __init__(self, ctx: Any):
        super().__init__(ctx)
        self.cluster: Cluster | None = None
        # (server URL, database name) when on LEARNPATH_POSTGRES_URL
        self._external: tuple[str, str] | None = None

    @property
    def folder(self) -> Path | None:
        return self.cluster.folder if self.cluster else None

    @property
    def port(self) -> int | None:
        return self.cluster.port if self.cluster else None

    def start(self) -> Started:
        admin = os.environ.get(URL_ENV, "").strip()
        url = self._start_external(admin) if admin else self._start_local()
        info = {
            "url": url,
            "dsn": url,
            "database": urllib.parse.urlsplit(url).path[1:],
            # graders make more databases through it (the files exercises' ``databases``)
            "admin_dsn": admin if admin else _with_database(url, "postgres"),
            "bindir": str(self.cluster.bindir) if self.cluster else "",
            "statements": bool(
                self.cluster and self.cluster.options.get("shared_preload_libraries")
            ),
        }
        where = "on " + _redact(admin) if admin else f"throwaway server, data in {self.folder}"
        return Started(
            env={"DATABASE_URL": url},
            info=info,
            describe=[f"postgres  {url}  ({where})"],
        )

    # -- a server of our own -------------------------------------------------------------------

    def _start_local(self) -> str:
        bindir = find_bin_dir()
        if bindir is None:
            raise ServiceError(MISSING)
        options = {"timezone": far_timezone()}
        if statements_library(bindir):
            # graders count a learner's queries (N+1) with it
            options["shared_preload_libraries"] = "pg_stat_statements"
        self.cluster = Cluster("postgres", options=options, durable=False)
        self.cluster.start()
        with _connect(self.cluster.dsn()) as conn:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
        return self.cluster.dsn(DATABASE)

    # -- a database on a server the user runs --------------------------------------------------

    def _start_external(self, admin: str) -> str:
        import psycopg

        if not admin.startswith(("postgresql://", "postgres://")):
            raise ServiceError(f"{URL_ENV} must be a URL like postgresql://USER@HOST:PORT/postgres")
        database = f"learnpath_{os.getpid()}_{secrets.token_hex(4)}"
        try:
            with _connect(admin) as conn:
                conn.execute(f'CREATE DATABASE "{database}"')
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ServiceError(
                f"could not create a database on {_redact(admin)} ({URL_ENV}): {reason}"
            ) from None
        self._external = (admin, database)
        return _with_database(admin, database)

    def _drop_external(self) -> None:
        import psycopg

        if self._external is None:
            return
        admin, database = self._external
        self._external = None
        with contextlib.suppress(psycopg.Error), _connect(admin) as conn:
            # WITH (FORCE) (PostgreSQL 13+) also ends the learner's open connections.
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    def stop(self) -> None:
        self._drop_external()
        cluster, self.cluster = self.cluster, None
        if cluster is not None:
            # immediate shutdown: a throwaway cluster needs no checkpoint
            cluster.close()
