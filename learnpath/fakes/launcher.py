"""Starting and stopping a fake as a subprocess: what every fake's ``process.start`` shares.

A fake announces itself with one ``ready URL`` line (see :mod:`learnpath.fakes.serving`); this
waits for that line with a bound, so a fake that hangs or dies at start-up fails fast.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading


def stop_process(process: subprocess.Popen[str], timeout: float = 10.0) -> int:
    """SIGTERM, then SIGKILL after ``timeout``; the exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()
    return process.returncode


class RunningProcess:
    """Mixin for the ``Running*`` dataclasses: stopping their ``process``."""

    process: subprocess.Popen[str]

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then SIGKILL after ``timeout``; the exit status."""
        return stop_process(self.process, timeout)


def launch(command: list[str], *, name: str, timeout: float) -> tuple[subprocess.Popen[str], str]:
    """Run ``command`` and wait up to ``timeout`` seconds for its ``ready`` line; the process
    and the URL it announced. RuntimeError (naming the fake as ``name``) if it does not start."""
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    # readline() has no timeout: read in a thread and wait on the queue instead.
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout
    threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        stop_process(process)
        raise RuntimeError(f"{name} did not start within {timeout} s") from None
    if not line.startswith("ready "):
        stop_process(process)
        raise RuntimeError(f"{name} failed to start (exit {process.poll()})")
    return process, line.split(" ", 1)[1].strip()
