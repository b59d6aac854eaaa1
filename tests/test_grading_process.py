"""The learner's backend as a process: its own tools first on PATH, missing packages named,
teardown that neither hangs on an escaped child nor needs /proc to tell a zombie from a process."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from learnpath.grading import process
from learnpath.grading.process import Backend, BackendError, group_alive

SERVER = textwrap.dedent(
    """
    import http.server, os, subprocess, sys
    if len(sys.argv) > 1:  # a child that leaves the group but keeps our stdout (the log pipe)
        child = subprocess.Popen(["sleep", "60"], start_new_session=True)
        open(sys.argv[1], "w").write(str(child.pid))
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
    """
)


def test_stop_does_not_hang_on_a_child_that_left_the_group_holding_the_log_pipe(tmp_path):
    (tmp_path / "server.py").write_text(SERVER)
    pid_file = tmp_path / "child.pid"
    backend = Backend(tmp_path, f"{sys.executable} server.py {pid_file}", start_timeout=20)
    try:
        backend.start()
        stopping = threading.Thread(target=backend.stop, daemon=True)
        stopping.start()
        stopping.join(timeout=15)  # not the 60 s the escaped child lives
        assert not stopping.is_alive(), "stop() hangs on the log pipe"
    finally:
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid_file.read_text()), signal.SIGKILL)


def test_group_alive_tells_a_zombie_group_from_a_live_one_without_proc(tmp_path, monkeypatch):
    monkeypatch.setattr(process, "PROC", tmp_path / "no-proc")  # as on macOS
    proc = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        assert group_alive(proc.pid)
        os.kill(proc.pid, 9)
        deadline = time.monotonic() + 10
        # not reaped: the group holds only a zombie now, which must count as gone
        while group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not group_alive(proc.pid)
    finally:
        proc.kill()
        proc.wait()


def test_the_projects_venv_comes_first_on_path(tmp_path):
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    tool = bin_dir / "serve-here"
    tool.write_text(f"#!/bin/sh\nexec {sys.executable} server.py\n")
    tool.chmod(0o755)
    (tmp_path / "server.py").write_text(SERVER)
    with Backend(tmp_path, "serve-here", start_timeout=20) as backend:
        backend.start()  # found only through the project's .venv/bin
    assert process.project_path(tmp_path, "/usr/bin").split(os.pathsep) == [
        str(bin_dir),
        "/usr/bin",
    ]
    assert process.project_path(tmp_path / "nothing", "/usr/bin") == "/usr/bin"


@pytest.mark.parametrize(
    ("script", "seen"),
    [
        ("import uvicorn_not_installed_here", "No module named"),
        (
            "raise SystemExit(\"Error: Cannot find package 'express' imported from x.js\")",
            "Cannot find package",
        ),
    ],
)
def test_a_missing_dependency_names_the_install_command(tmp_path, script, seen):
    (tmp_path / "server.py").write_text(script + "\n")
    backend = Backend(
        tmp_path,
        f"{sys.executable} server.py",
        start_timeout=20,
        install="python -m pip install -r requirements.txt",
    )
    with pytest.raises(BackendError) as err, backend:
        backend.start()
    message = str(err.value)
    assert seen in message
    assert "run 'python -m pip install -r requirements.txt' in your project folder" in message
    assert "\n" not in message


def test_no_fix_is_invented_for_other_crashes():
    assert process.missing_dependency_fix(["ValueError: bad"], "npm ci") is None
    fix = process.missing_dependency_fix(["sh: 1: uvicorn: not found"], None)
    assert fix is not None and "install it" in fix


@pytest.mark.slow
def test_grade_does_not_hang_on_a_child_that_left_the_group(cli, tmp_path, monkeypatch):
    from .conftest import BIN, FIXTURES

    monkeypatch.setenv("LEARNPATH_CONTENT", str(FIXTURES / "content"))
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    (tmp_path / "server.py").write_text(SERVER.replace('b"ok"', 'b\'{"status": "ok"}\''))
    pid_file = tmp_path / "child.pid"
    (tmp_path / "learnpath.yml").write_text(
        f"exercise: mini-api\nrun: python server.py {pid_file}\n"
    )
    try:
        t0 = time.monotonic()
        result = cli("learnpath", "grade", str(tmp_path), "--stage", "health", timeout=120)
        assert time.monotonic() - t0 < 45  # the escaped child lives 60 s
        assert result.returncode in (0, 1), result.stdout + result.stderr
    finally:
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid_file.read_text()), signal.SIGKILL)


def test_a_grader_restarts_the_server_with_variables_set_and_removed(tmp_path, monkeypatch):
    """``server.restart(env=...)``: set variables for this and later starts; None removes one,
    also when the server would inherit it from learnpath's own environment."""
    import httpx

    from learnpath.grading.pytest_plugin import ServerHandle

    (tmp_path / "server.py").write_text(
        textwrap.dedent(
            """
            import http.server, json, os
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    body = json.dumps({k: os.environ.get(k) for k in ("WINDOW", "LEVEL")}).encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *a):
                    pass
            http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
            """
        )
    )
    monkeypatch.setenv("LEVEL", "inherited")
    with Backend(tmp_path, f"{sys.executable} server.py") as backend:
        backend.start()
        server = ServerHandle(backend.url, backend, tmp_path, {}, {"JWT_SECRET": "s"})
        assert httpx.get(backend.url).json() == {"WINDOW": None, "LEVEL": "inherited"}
        server.restart(env={"WINDOW": "4", "LEVEL": None})
        assert httpx.get(backend.url).json() == {"WINDOW": "4", "LEVEL": None}
        assert server.env == {"JWT_SECRET": "s", "WINDOW": "4"}
        server.restart()  # the settings stay for later starts
        assert httpx.get(backend.url).json() == {"WINDOW": "4", "LEVEL": None}
