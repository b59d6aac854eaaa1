"""What graders of a files exercise (``kind: files``) get as ``project``: the learner's files,
and the learner's programs and scripts run as bounded subprocesses.

Every command runs in its own session (so its own process group) and the whole group is killed
when it overruns its time or the grading is interrupted: a learner's script that hangs or forks
a server never outlives the check that started it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from learnpath.grading.checks import CheckFailure
from learnpath.grading.process import PROJECT_BIN_DIRS

if TYPE_CHECKING:
    from learnpath.services.base import RunAs

# Where ``learnpath grade --keep`` keeps the seeded databases of a run, inside the project.
KEEP_FOLDER = ".learnpath-kept"
OUTPUT_TAIL = 12  # lines of a failing command's output in a message
_NOT_COPIED = ("node_modules", ".venv", "venv", ".git", "__pycache__", KEEP_FOLDER)
_SQL_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)


@dataclass(frozen=True, slots=True)
class Ran:
    """A finished command: exit code, output, how long it took, and how to run it again."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    command: str

    def tail(self, n: int = OUTPUT_TAIL) -> str:
        lines = (self.stdout + self.stderr).strip().splitlines()
        return " | ".join(line.strip() for line in lines[-n:] if line.strip()) or "(no output)"

    def json(self) -> Any:
        """The JSON document on the last line of its output (what the learner's program prints)."""
        lines = [line for line in self.stdout.strip().splitlines() if line.strip()]
        if not lines:
            raise CheckFailure(
                f"expected `{self.command}` to print a JSON line, it printed nothing "
                f"(exit {self.code}; stderr: {self.tail()})"
            )
        try:
            return json.loads(lines[-1])
        except ValueError:
            raise CheckFailure(
                f"expected `{self.command}` to print one JSON line last, got {lines[-1][:200]!r}"
            ) from None


class ProjectFiles:
    """The learner's project: its files, its ``run`` command, its scripts."""

    def __init__(
        self, project_dir: Path, config: dict[str, Any], env: dict[str, str] | None = None
    ):
        self.dir = project_dir
        self.config = dict(config)
        self.env = dict(env or {})

    def path(self, rel: str) -> Path:
        """``rel`` inside the project; a clear failure when it is not there."""
        target = self.dir / rel
        if not target.exists():
            raise CheckFailure(
                f"expected the file {rel} in your project ({self.dir}), found none: create it "
                "(the stage's description says what goes in it)"
            )
        return target

    def read(self, rel: str) -> str:
        return self.path(rel).read_text(encoding="utf-8", errors="replace")

    def sql(self, rel: str) -> str:
        """The SQL in ``rel``; a clear failure when the file is missing or holds only comments."""
        text = self.read(rel)
        if not _SQL_COMMENT.sub("", text).strip().strip(";").strip():
            raise CheckFailure(f"{rel} holds no SQL statement yet (only comments or nothing)")
        return text

    # -- commands -----------------------------------------------------------------------------

    def run(
        self,
        args: list[str],
        *,
        env: dict[str, str] | None = None,
        timeout: float = 30.0,
        input: str | None = None,
    ) -> Ran:
        """The project's ``run`` command (learnpath.yml) followed by ``args``."""
        base = self.config.get("run")
        if not base:
            raise CheckFailure(
                "learnpath.yml has no 'run' command: add the one your stack uses, e.g. "
                "'run: python bank.py'"
            )
        command = f"{base} {shlex.join(args)}".strip()
        return self._execute(command, env=env, timeout=timeout, input=input)

    def script(
        self,
        rel: str,
        args: list[str] | tuple[str, ...] = (),
        *,
        env: dict[str, str] | None = None,
        timeout: float = 60.0,
        user: RunAs | None = None,
        cwd: Path | None = None,
    ) -> Ran:
        """``bash rel args`` from the project folder (or ``cwd``), as ``user`` if given.

        Run as another user (PostgreSQL's, when learnpath runs as root), the script runs from
        a copy of the project that user can read: the project itself may sit in a private
        folder.
        """
        self.path(rel)
        if user is None or cwd is not None:  # ``cwd``: the caller made a readable copy
            command = shlex.join(["bash", rel, *args])
            return self._execute(command, env=env, timeout=timeout, user=user, cwd=cwd, shown=rel)
        with tempfile.TemporaryDirectory(prefix="learnpath-scripts-") as tmp:
            copy = Path(tmp) / "project"
            shutil.copytree(
                self.dir, copy, symlinks=True, ignore=shutil.ignore_patterns(*_NOT_COPIED)
            )
            for folder in (Path(tmp), copy, *copy.rglob("*")):
                with contextlib.suppress(OSError):
                    os.chown(folder, user.uid, user.gid, follow_symlinks=False)
            command = shlex.join(["bash", rel, *args])
            return self._execute(
                command, env=env, timeout=timeout, user=user, cwd=cwd or copy, shown=rel
            )

    def _execute(
        self,
        command: str,
        *,
        env: dict[str, str] | None,
        timeout: float,
        input: str | None = None,
        user: RunAs | None = None,
        cwd: Path | None = None,
        shown: str | None = None,
    ) -> Ran:
        full_env = {**os.environ, **self.env, **(env or {})}
        bins = [str(self.dir / d) for d in PROJECT_BIN_DIRS if (self.dir / d).is_dir()]
        full_env["PATH"] = os.pathsep.join([*bins, full_env.get("PATH", os.defpath)])
        if user is not None:
            full_env["HOME"] = str(cwd or self.dir)
        t0 = time.monotonic()
        proc = subprocess.Popen(
            ["/bin/sh", "-c", command],
            cwd=cwd or self.dir,
            env=full_env,
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,
            user=user.uid if user else None,
            group=user.gid if user else None,
            extra_groups=[] if user else None,
        )
        shown = shown or command
        try:
            out, err = proc.communicate(input=input, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, err = proc.communicate()
            ran = Ran(-9, out, err, time.monotonic() - t0, shown)
            raise CheckFailure(
                f"`{shown}` did not finish within {timeout:g} s and was stopped; its last "
                f"output: {ran.tail()}"
            ) from None
        except BaseException:  # interrupted grading: nothing it started may survive
            _kill_group(proc)
            raise
        # A script may leave a background child behind (a server it started): not our business
        # to keep, but it must not outlive grading.
        _kill_group(proc, quiet=True)
        return Ran(proc.returncode, out, err, time.monotonic() - t0, shown)


def _kill_group(proc: subprocess.Popen[str], *, quiet: bool = False) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    if not quiet:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
