"""The OpenID provider fake (``learnpath.fakes.oauth``) as a service of one run.

It runs as its own process with a fresh client id, client secret and control token, and one
registered redirect URI: the learner's server's URL + ``callback_path``. Given ``--port 0`` it
binds a free port itself and says ``ready http://127.0.0.1:PORT`` on stdout once it listens
(so no other process can take the port between our choice and its bind); SIGTERM stops it.
"""

from __future__ import annotations

from learnpath.services.base import FakeProcess, Started


class OAuth(FakeProcess):
    """The fake provider: ``OAUTH_ISSUER``, ``OAUTH_CLIENT_ID``, ``OAUTH_CLIENT_SECRET`` and
    ``OAUTH_REDIRECT_URI`` for the server; the same plus ``url`` and ``control_token`` for
    graders."""

    name = "oauth"
    label = "the OpenID provider fake"

    def start(self) -> Started:
        import secrets

        from learnpath.fakes.oauth.process import command_line, new_client_id, new_client_secret

        client_id = new_client_id()
        client_secret = new_client_secret()
        control_token = secrets.token_hex(16)
        path = self.ctx.options.get("callback_path", "/auth/callback")
        redirect_uri = self.ctx.app_url.rstrip("/") + path
        # Port 0: it binds a free port itself and says which, so there is no race for one.
        cmd = command_line(0, client_id, client_secret, [redirect_uri], control_token)
        url = self.launch(cmd)
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
