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
SERVER_OPTIONS = (
    "fsync=off",
    "full_page_writes=off",
    "synchronous_commit=off",
    "logging_collector=off",
    "max_connections=100",
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


class Postgres(Service):
    """PostgreSQL for one run: ``DATABASE_URL`` for the server, ``dsn`` for graders."""

    name = "postgres"

    def __init__(self, ctx: Any):
        super().__init__(ctx)
        self.folder: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.port: int | None = None
        # (server URL, database name) when on LEARNPATH_POSTGRES_URL
        self._external: tuple[str, str] | None = None

    def start(self) -> Started:
        admin = os.environ.get(URL_ENV, "").strip()
        url = self._start_external(admin) if admin else self._start_local()
        info = {"url": url, "dsn": url, "database": urllib.parse.urlsplit(url).path[1:]}
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
        user = unprivileged_user()
        self.folder = make_tempdir("postgres", owner=user)
        data = self.folder / "data"
        env = {
            "PATH": os.environ.get("PATH", os.defpath),
            "LC_ALL": "C",
            "LANG": "C",
            "TZ": "UTC",
        }
        # -N: no fsync of the new cluster; C locale with UTF-8 exists on every system.
        done = run_quiet(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
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
            env=env,
            user=user,
        )
        if done.returncode != 0:
            lines = done.stdout.strip().splitlines()[-3:] + done.stderr.strip().splitlines()[-5:]
            tail = " | ".join(lines)
            raise ServiceError(f"initdb failed (exit {done.returncode}): {tail}")
        self.port = free_port()
        log_path = self.folder / "postgres.log"
        options = [
            arg for opt in (*SERVER_OPTIONS, f"timezone={far_timezone()}") for arg in ("-c", opt)
        ]
        with log_path.open("ab") as log:
            self.proc = spawn(
                [
                    str(bindir / "postgres"),
                    "-D",
                    str(data),
                    "-p",
                    str(self.port),
                    "-k",
                    str(self.folder),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    *options,
                ],
                log=log,
                cwd=self.folder,
                env=env,
                user=user,
            )
        admin = f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"
        self._wait_ready(admin, log_path)
        with _connect(admin) as conn:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{DATABASE}"

    def _wait_ready(self, admin: str, log_path: Path) -> None:
        import psycopg

        assert self.proc is not None
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            code = self.proc.poll()
            if code is not None:
                raise ServiceError(
                    f"PostgreSQL exited with code {code} while starting: {log_tail(log_path)}"
                )
            try:
                _connect(admin, timeout=2).close()
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise ServiceError(
                        f"PostgreSQL did not accept connections on 127.0.0.1:{self.port} within "
                        f"{READY_TIMEOUT:g} s ({str(exc).strip()}): {log_tail(log_path)}"
                    ) from None
            time.sleep(0.02)

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
        proc, self.proc = self.proc, None
        # SIGQUIT: immediate shutdown; a throwaway cluster needs no checkpoint.
        stop_process(proc, signal.SIGQUIT)
        folder, self.folder = self.folder, None
        remove_tempdir(folder)
