"""Start and stop the fake provider as a subprocess (for graders, the engine and tests)."""

from __future__ import annotations

import secrets
import subprocess
import sys
from dataclasses import dataclass

from learnpath.fakes.launcher import RunningProcess, launch
from learnpath.fakes.payments.control import Control


@dataclass
class RunningPayments(RunningProcess):
    """A fake provider process and what a learner's server and graders need to reach it."""

    url: str
    api_key: str
    webhook_secret: str
    control_token: str
    process: subprocess.Popen[str]

    def env(self) -> dict[str, str]:
        """The variables the learner's server reads."""
        return {
            "PAYMENTS_URL": self.url,
            "PAYMENTS_API_KEY": self.api_key,
            "PAYMENTS_WEBHOOK_SECRET": self.webhook_secret,
        }

    def control(self) -> Control:
        """A control client (close it, or use it as a context manager)."""
        return Control(self.url, self.control_token)


def command_line(
    port: int,
    api_key: str,
    webhook_secret: str,
    control_token: str,
    webhook_url: str | None = None,
) -> list[str]:
    """The command that runs the fake on 127.0.0.1 (``port`` 0: it picks a free one and says
    which in its ``ready`` line)."""
    command = [sys.executable, "-m", "learnpath.fakes.payments", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--api-key", api_key, "--webhook-secret", webhook_secret]
    command += ["--control-token", control_token]
    return command + (["--webhook-url", webhook_url] if webhook_url else [])


def start(
    *,
    port: int = 0,
    api_key: str | None = None,
    webhook_secret: str | None = None,
    control_token: str | None = None,
    webhook_url: str | None = None,
    timeout: float = 20.0,
) -> RunningPayments:
    """Start a provider (fresh random secrets unless given) and wait for its ``ready`` line."""
    api_key = api_key or "sk_test_" + secrets.token_hex(12)
    webhook_secret = webhook_secret or "whsec_" + secrets.token_hex(16)
    control_token = control_token or secrets.token_hex(16)
    command = command_line(port, api_key, webhook_secret, control_token, webhook_url)
    process, url = launch(command, name="the fake payment provider", timeout=timeout)
    return RunningPayments(url, api_key, webhook_secret, control_token, process)
