"""The payment provider fake (``learnpath.fakes.payments``) as a service of one run.

It runs as its own process with a fresh API key, webhook secret and control token, and sends
its webhooks to the learner's server at ``app_url + webhook_path``. Given ``--port 0`` it binds
a free port itself and says ``ready http://127.0.0.1:PORT`` on stdout once it listens (so no
other process can take the port between our choice and its bind); SIGTERM stops it.
"""

from __future__ import annotations

import secrets

from learnpath.services.base import FakeProcess, Started


class Payments(FakeProcess):
    """The fake provider: ``PAYMENTS_URL``, ``PAYMENTS_API_KEY`` and ``PAYMENTS_WEBHOOK_SECRET``
    for the server; the same plus ``control_token`` and ``webhook_url`` for graders."""

    name = "payments"
    label = "the payment provider fake"

    def start(self) -> Started:
        api_key = "sk_test_" + secrets.token_hex(16)
        webhook_secret = "whsec_" + secrets.token_hex(16)
        control_token = secrets.token_hex(16)
        path = self.ctx.options.get("webhook_path", "/webhooks/payments")
        webhook_url = self.ctx.app_url.rstrip("/") + path
        from learnpath.fakes.payments.process import command_line

        # Port 0: it binds a free port itself and says which, so there is no race for one.
        cmd = command_line(0, api_key, webhook_secret, control_token, webhook_url)
        url = self.launch(cmd)
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
