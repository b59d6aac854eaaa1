"""The payment provider fake (``learnpath.fakes.payments``) as a service of one run.

It runs as its own process with a fresh API key, webhook secret and control token, and sends
its webhooks to the learner's server at ``app_url + webhook_path``. Given ``--port 0`` it binds
a free port itself and says ``ready http://127.0.0.1:PORT`` on stdout once it listens (so no
other process can take the port between our choice and its bind); SIGTERM stops it.
"""

from __future__ import annotations

import re
import secrets
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
# The fake's command without its options; a test may point it at a stand-in.


class Payments(Service):
    """The fake provider: ``PAYMENTS_URL``, ``PAYMENTS_API_KEY`` and ``PAYMENTS_WEBHOOK_SECRET``
    for the server; the same plus ``control_token`` and ``webhook_url`` for graders."""

    name = "payments"

    def __init__(self, ctx: Any):
        super().__init__(ctx)
        self.folder: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Started:
        api_key = "sk_test_" + secrets.token_hex(16)
        webhook_secret = "whsec_" + secrets.token_hex(16)
        control_token = secrets.token_hex(16)
        path = self.ctx.options.get("webhook_path", "/webhooks/payments")
        webhook_url = self.ctx.app_url.rstrip("/") + path
        self.folder = make_tempdir("payments")
        log_path = self.folder / "payments.log"
        from learnpath.fakes.payments.process import command_line

        # Port 0: it binds a free port itself and says which, so there is no race for one.
        cmd = command_line(0, api_key, webhook_secret, control_token, webhook_url)
        with log_path.open("ab") as log:
            try:
                self.proc = spawn(cmd, log=log, cwd=self.folder)
            except OSError as exc:
                raise ServiceError(f"could not start the payment provider fake: {exc}") from None
        url = self._wait_ready(log_path)
        return Started(
            env={
                "PAYMENTS_URL": url,
                "PAYMENTS_API_KEY": api_key,
                "PAYMENTS_WEBHOOK_SECRET": webhook_secret,
            },
            info={
                "url": url,
                "api_key": api_key,
                "webhook_secret": webhook_secret,
                "control_token": control_token,
                "webhook_url": webhook_url,
            },
            describe=[
                f"payments  {url}  (control token {control_token}; webhooks to {webhook_url})"
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
                    f"the payment provider fake exited with code {code} while starting: "
                    f"{log_tail(log_path)}"
                )
            if time.monotonic() > deadline:
                raise ServiceError(
                    "the payment provider fake did not say 'ready http://127.0.0.1:PORT' within "
                    f"{READY_TIMEOUT:g} s: {log_tail(log_path)}"
                )
            time.sleep(0.02)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        stop_process(proc)
        folder, self.folder = self.folder, None
        remove_tempdir(folder)
