"""The OpenID provider fake (``learnpath.fakes.oauth``) as a service of one run.

It runs as its own process with a fresh client id, client secret and control token, and one
registered redirect URI: the learner's server's URL + ``callback_path``. Given ``--port 0`` it
binds a free port itself and says ``ready http://127.0.0.1:PORT`` on stdout once it listens
(so no other process can take the port between our choice and its bind); SIGTERM stops it.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from typing import Any

from learnpath.services.base import (
    Service,
    ServiceError,
    Started,
    log_tail,
    make_tempdir,
    remove_tempdir,
    spawn,
    stop_process,
)

READY_TIMEOUT = 20.0
READY = re.compile(r"^ready (http://127\.0\.0\.1:\d+)\s*$", re.M)


class OAuth(Service):
    """The fake provider: ``OAUTH_ISSUER``, ``OAUTH_CLIENT_ID``, ``OAUTH_CLIENT_SECRET`` and
    ``OAUTH_REDIRECT_URI`` for the server; the same plus ``url`` and ``control_token`` for
    graders."""

    name = "oauth"

    def __init__(self, ctx: Any):
        super().__init__(ctx)
        self.folder: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Started:
        import secrets

        from learnpath.fakes.oauth.process import command_line, new_client_id, new_client_secret

        client_id = new_client_id()
        client_secret = new_client_secret()
        control_token = secrets.token_hex(16)
        path = self.ctx.options.get("callback_path", "/auth/callback")
        redirect_uri = self.ctx.app_url.rstrip("/") + path
        self.folder = make_tempdir("oauth")
        log_path = self.folder / "oauth.log"
        # Port 0: it binds a free port itself and says which, so there is no race for one.
        cmd = command_line(0, client_id, client_secret, [redirect_uri], control_token)
        with log_path.open("ab") as log:
            try:
                self.proc = spawn(cmd, log=log, cwd=self.folder)
            except OSError as exc:
                raise ServiceError(f"could not start the OpenID provider fake: {exc}") from None
        url = self._wait_ready(log_path)
        return Started(
            env={
                "OAUTH_ISSUER": url,
                "OAUTH_CLIENT_ID": client_id,
                "OAUTH_CLIENT_SECRET": client_secret,
                "OAUTH_REDIRECT_URI": redirect_uri,
            },
            info={
                "url": url,
                "issuer": url,
                "client_id": client_id,
                "client_secret": client_secret,
                "redirect_uri": redirect_uri,
                "callback_path": path,
                "control_token": control_token,
            },
            describe=[
                f"oauth     {url}  (OpenID provider: discovery at "
                f"{url}/.well-known/openid-configuration; client {client_id}, redirect URI "
                f"{redirect_uri}; control token {control_token})"
            ],
        )

    def _wait_ready(self, log_path: Path) -> str:
        """The fake's URL, once it says ``ready URL``."""
        assert self.proc is not None
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            try:
                text = log_path.read_text("utf-8", "replace")
            except OSError:
                text = ""
            ready = READY.search(text)
            if ready:
                return ready.group(1)
            code = self.proc.poll()
            if code is not None:
                raise ServiceError(
                    f"the OpenID provider fake exited with code {code} while starting: "
                    f"{log_tail(log_path)}"
                )
            if time.monotonic() > deadline:
                raise ServiceError(
                    "the OpenID provider fake did not say 'ready http://127.0.0.1:PORT' within "
                    f"{READY_TIMEOUT:g} s: {log_tail(log_path)}"
                )
            time.sleep(0.02)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        stop_process(proc)
        folder, self.folder = self.folder, None
        remove_tempdir(folder)
