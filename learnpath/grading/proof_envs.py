"""Throwaway environments for ``learnpath check``: dependencies installed where check owns them.

A proof never installs into learnpath's own environment, the instructor's, or the content folder.
Python proofs run with a virtual environment that check creates (its ``bin`` first on ``PATH``),
Node proofs with a ``node_modules`` folder that check installs. Proofs whose dependency files are
identical share one environment per check run: building one per mutant would be too slow. Every
environment lives under one temporary folder that check removes when it is done.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from learnpath.errors import LearnpathError

INSTALL_TIMEOUT = 600
PYTHON_FILES = ("requirements.txt",)
NODE_FILES = ("package.json", "package-lock.json", "npm-shrinkwrap.json", ".npmrc")
# What pip and npm print when the package registry cannot be reached.
_OFFLINE = re.compile(
    r"ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|network|"
    r"Temporary failure in name resolution|NewConnectionError|Max retries exceeded",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class EnvSpec:
    """What one proof needs installed. Proofs with equal specs share one environment.

    ``language`` is the stack's (``python``, ``node``, anything else); ``files`` holds the
    dependency files by name; ``own`` names a proof whose install must run in its own copy
    (the install command reads more than the dependency files).
    """

    language: str
    install: str | None
    files: tuple[tuple[str, bytes], ...] = ()
    own: str = ""

    @property
    def key(self) -> str:
        h = hashlib.sha256(f"{self.language}\0{self.install}\0{self.own}".encode())
        for name, data in self.files:
            h.update(f"\0{name}\0{len(data)}\0".encode())
            h.update(data)
        return f"{self.language}-{h.hexdigest()[:16]}"

    @property
    def shared(self) -> bool:
        """True when the install runs once in check's folder, not in each proof's copy."""
        return not self.own


def spec_for(
    language: str, install: str | None, files: Mapping[str, bytes], *, proof: str
) -> EnvSpec:
    """The environment a proof needs, from its stack's language, install command and files.

    ``files`` maps file names in the project's top folder to their content (only the
    dependency files are read). ``proof`` names the proof, for installs that cannot be shared.
    """
    wanted = PYTHON_FILES if language == "python" else NODE_FILES if language == "node" else ()
    deps = tuple((n, files[n]) for n in wanted if n in files)
    main = {"python": "requirements.txt", "node": "package.json"}.get(language)
    own = "" if not install or (main and any(n == main for n, _ in deps)) else proof
    return EnvSpec(language, install, deps, own)


def dependency_files(folder: Path) -> dict[str, bytes]:
    """The dependency files in ``folder`` (the only files an environment is keyed on)."""
    return {
        n: (folder / n).read_bytes() for n in (*PYTHON_FILES, *NODE_FILES) if (folder / n).is_file()
    }


@dataclass(slots=True)
class _Built:
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: bool = False
    error: LearnpathError | None = None


class Environments:
    """The environments of one check run, each built at most once, all under ``root``."""

    def __init__(self, root: Path):
        self.root = root
        self._base_env = dict(os.environ)
        self._lock = threading.Lock()
        self._built: dict[str, _Built] = {}

    def bin_dir(self, spec: EnvSpec) -> Path | None:
        """The folder to put first on ``PATH`` for the server of a proof with ``spec``."""
        if spec.language != "python":
            return None
        return self.root / spec.key / "venv" / ("Scripts" if os.name == "nt" else "bin")

    def server_vars(self, spec: EnvSpec) -> dict[str, str]:
        """What the server of a proof with ``spec`` needs in its environment: a Python
        proof's venv first on ``PATH`` (so ``python -m uvicorn`` is the venv's)."""
        bin_dir = self.bin_dir(spec)
        return _venv_vars(bin_dir, self._base_env.get("PATH", "")) if bin_dir else {}

    def prepare(self, spec: EnvSpec, project: Path) -> None:
        """Make ``project`` runnable: build (or reuse) its environment and attach it."""
        self._build(spec, project)
        if spec.language == "node" and spec.shared and spec.install:
            modules = self.root / spec.key / "node_modules"
            # Node resolves the packages through the link's target, which holds all of them.
            if modules.is_dir() and not (project / "node_modules").exists():
                (project / "node_modules").symlink_to(modules, target_is_directory=True)
        if not spec.shared and spec.install:
            self._install(spec, project, self._env(spec))

    def _build(self, spec: EnvSpec, project: Path) -> None:
        with self._lock:
            state = self._built.setdefault(spec.key, _Built())
        with state.lock:  # a second proof with the same spec waits for the first build
            if state.error is not None:
                raise state.error
            if state.done:
                return
            try:
                self._create(spec)
            except LearnpathError as exc:
                state.error = exc
                raise
            state.done = True

    def _create(self, spec: EnvSpec) -> None:
        home = self.root / spec.key
        home.mkdir(parents=True, exist_ok=True)
        if spec.language == "python":
            self._venv(home / "venv", with_pip=bool(spec.install))
        if spec.shared and spec.install:
            for name, data in spec.files:
                (home / name).write_bytes(data)
            self._install(spec, home, self._env(spec))

    def _venv(self, where: Path, *, with_pip: bool) -> None:
        cmd = [sys.executable, "-m", "venv", str(where)]
        if not with_pip:
            cmd.append("--without-pip")  # nothing to install: a bare venv takes milliseconds
        done = _run(cmd, cwd=self.root, env=None)
        if done.returncode != 0:
            raise LearnpathError(
                f"setup: could not create a virtual environment with {sys.executable} -m venv: "
                f"{_tail(done)}"
            )

    def _env(self, spec: EnvSpec) -> dict[str, str]:
        env = dict(self._base_env)
        bin_dir = self.bin_dir(spec)
        if bin_dir is not None:
            env.update(_venv_vars(bin_dir, env.get("PATH", "")))
        env.pop("PYTHONHOME", None)
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        return env

    def _install(self, spec: EnvSpec, cwd: Path, env: dict[str, str]) -> None:
        assert spec.install
        program = _program(spec.install)
        if program and shutil.which(program, path=env.get("PATH")) is None:
            raise LearnpathError(
                f"setup: '{program}' is not on PATH, and the {spec.language} proofs need it "
                f"for '{spec.install}'"
            )
        if spec.language == "node" and shutil.which("node", path=env.get("PATH")) is None:
            raise LearnpathError("setup: 'node' is not on PATH, and the node proofs need it")
        done = _run(spec.install, cwd=cwd, env=env, shell=True)
        if done.returncode != 0:
            lines = (done.stdout + done.stderr).splitlines()
            offline = next((ln.strip() for ln in lines if _OFFLINE.search(ln)), None)
            if offline:
                raise LearnpathError(
                    f"setup: '{spec.install}' failed (exit {done.returncode}): is the package "
                    f"registry reachable from here? {offline}"
                )
            raise LearnpathError(
                f"setup: '{spec.install}' failed (exit {done.returncode}): {_tail(done)}"
            )


def _venv_vars(bin_dir: Path, path: str) -> dict[str, str]:
    return {
        "PATH": f"{bin_dir}{os.pathsep}{path}" if path else str(bin_dir),
        "VIRTUAL_ENV": str(bin_dir.parent),
    }


def _program(command: str) -> str | None:
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    words = [w for w in words if "=" not in w.split("/")[0]]  # skip VAR=value prefixes
    return words[0] if words else None


def _run(
    cmd: str | list[str], *, cwd: Path, env: dict[str, str] | None, shell: bool = False
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            cmd,
            shell=shell,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=INSTALL_TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        shown = cmd if isinstance(cmd, str) else " ".join(cmd)
        raise LearnpathError(f"setup: '{shown}' took longer than {INSTALL_TIMEOUT} s") from None


def _tail(done: subprocess.CompletedProcess[str], lines: int = 3) -> str:
    """The last few meaningful lines of a command's output, on one line."""
    text = (done.stderr.strip() or done.stdout.strip()).splitlines()
    useful = [ln.strip() for ln in text if ln.strip() and "complete log of this run" not in ln]
    return " | ".join(useful[-lines:]) or "no output"
