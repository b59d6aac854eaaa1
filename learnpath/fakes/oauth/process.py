"""Start and stop the fake provider as a subprocess (for graders, the engine and tests)."""

from __future__ import annotations

import os
import queue
import secrets
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field

from learnpath.fakes.oauth.control import Control


@dataclass
class RunningOAuth:
    """A fake provider process and what a learner's server and graders need to reach it."""

    url: str
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    control_token: str
    process: subprocess.Popen[str]
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return self.url

    def env(self) -> dict[str, str]:
        """The variables the learner's server reads."""
        return {
            "OAUTH_ISSUER": self.url,
            "OAUTH_CLIENT_ID": self.client_id,
            "OAUTH_CLIENT_SECRET": self.client_secret,
            "OAUTH_REDIRECT_URI": self.redirect_uris[0],
        }

    def control(self) -> Control:
        """A control client (close it, or use it as a context manager)."""
        return Control(self.url, self.control_token)

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then SIGKILL after ``timeout``; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode


def command_line(
    port: int,
    client_id: str,
    client_secret: str,
    redirect_uris: list[str],
    control_token: str,
) -> list[str]:
    """The command that runs the fake on 127.0.0.1 (``port`` 0: it picks a free one and says
    which in its ``ready`` line)."""
    # --name=value: a random secret may start with "-", which argparse would take for an option
    command = [sys.executable, "-m", "learnpath.fakes.oauth", "--host=127.0.0.1"]
    command += [f"--port={port}", f"--client-id={client_id}", f"--client-secret={client_secret}"]
    command += [f"--redirect-uri={uri}" for uri in redirect_uris]
    return [*command, f"--control-token={control_token}"]


def new_client_id() -> str:
    return "client-" + secrets.token_hex(6)


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def start(
    *,
    redirect_uris: list[str],
    port: int = 0,
    client_id: str | None = None,
    client_secret: str | None = None,
    control_token: str | None = None,
    timeout: float = 20.0,
) -> RunningOAuth:
    """Start a provider (fresh random secrets unless given) and wait for its ``ready`` line."""
    client_id = client_id or new_client_id()
    client_secret = client_secret or new_client_secret()
    control_token = control_token or secrets.token_hex(16)
    command = command_line(port, client_id, client_secret, redirect_uris, control_token)
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout
    threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
    running = RunningOAuth("", client_id, client_secret, redirect_uris, control_token, process)
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        running.stop()
        raise RuntimeError(f"the fake OpenID provider did not start within {timeout} s") from None
    if not line.startswith("ready "):
        running.stop()
        raise RuntimeError(f"the fake OpenID provider failed to start (exit {process.poll()})")
    running.url = line.split(" ", 1)[1].strip()
    return running
