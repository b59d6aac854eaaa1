"""Start and stop the fake provider as a subprocess (for graders, the engine and tests)."""

from __future__ import annotations

import secrets
import subprocess
import sys
from dataclasses import dataclass, field

from learnpath.fakes.launcher import RunningProcess, launch
from learnpath.fakes.oauth.control import Control


@dataclass
class RunningOAuth(RunningProcess):
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
    process, url = launch(command, name="the fake OpenID provider", timeout=timeout)
    return RunningOAuth(url, client_id, client_secret, redirect_uris, control_token, process)
