"""The graders' handle on a running fake OpenID provider (its ``/_control`` API), over httpx.

control = Control("http://127.0.0.1:PORT", token)
control.sign_in({"sub": "u-1", "email": "ada@example.com", "name": "Ada"})
...                                   # the browser goes to /authorize: it comes back with a code
control.add_fault("expired")          # the next ID token has expired
...
[authz] = control.authorizations(state=state)
assert authz["redeemed"]
"""

from __future__ import annotations

from typing import Any

from learnpath.fakes.control_client import ControlClient, ControlError, Obj
from learnpath.fakes.oauth.provider import FAULTS, s256, sub_for_email

__all__ = ["FAULTS", "Control", "ControlError", "s256", "sub_for_email"]


class Control(ControlClient):
    """Small, named operations on one fake provider; every call is one HTTP request."""

    def __init__(self, base_url: str, control_token: str, *, timeout: float = 60.0) -> None:
        super().__init__(base_url, control_token, timeout=timeout)

    # Settings

    def config(self) -> Obj:
        """issuer, client_id, redirect_uris, code_ttl, access_token_ttl, id_token_ttl,
        clock_offset, signin, decision, key_ready."""
        return self._call("GET", "/config")

    def configure(self, **settings: Any) -> Obj:
        """Any of code_ttl, access_token_ttl, id_token_ttl (seconds), redirect_uris (a list)."""
        return self._call("POST", "/config", settings)

    def advance_clock(self, seconds: float) -> Obj:
        """Move the provider's clock forward: codes and tokens expire without a real wait."""
        return self._call("POST", "/config", {"advance": seconds})

    def sign_in(self, user: Obj | None, *, decision: str = "allow") -> Obj:
        """Who is signed in at the provider: the authorization endpoint then answers at once
        (``decision`` ``allow``: a code; ``deny``: ``error=access_denied``). The user has
        ``email`` and optionally ``sub`` (else derived from the email), ``name`` and
        ``email_verified``. ``None``: nobody, the consent page asks."""
        return self._call("POST", "/signin", {"user": user, "decision": decision})

    def deny(self) -> Obj:
        """The signed-in user refuses the next authorization requests."""
        return self._call("POST", "/signin", {"decision": "deny"})

    def reset(self) -> None:
        """Forget all authorizations, tokens, faults and logs; settings back to defaults."""
        self._call("POST", "/reset")

    # Misbehaving

    def add_fault(
        self,
        fault: str | None = None,
        *,
        claims: Obj | None = None,
        remove: list[str] | None = None,
        count: int = 1,
    ) -> list[Obj]:
        """Make the next ``count`` token answers wrong: a named ``fault`` (see
        :data:`FAULTS`: wrong_iss, wrong_aud, expired, wrong_nonce, no_nonce, tampered,
        alg_none, userinfo_sub), and/or ID token ``claims`` to set and ``remove`` to drop."""
        body: Obj = {"count": count}
        if fault is not None:
            body["fault"] = fault
        if claims:
            body["claims"] = claims
        if remove:
            body["remove"] = remove
        data: list[Obj] = self._call("POST", "/faults", body)["data"]
        return data

    def faults(self) -> list[Obj]:
        """The faults not applied yet, in order."""
        data: list[Obj] = self._call("GET", "/faults")["data"]
        return data

    def clear_faults(self) -> None:
        self._call("POST", "/faults/clear")

    # What happened

    def authorizations(self, *, state: str | None = None, code: str | None = None) -> list[Obj]:
        """Authorization requests, oldest first: id, client_id, redirect_uri, scope, state,
        nonce, code_challenge, code_challenge_method, user, decision, code, redeemed,
        redeem_attempts, reused, access_tokens, revoked, id_token, faults."""
        data: list[Obj] = self._call("GET", "/authorizations")["data"]
        return [
            a
            for a in data
            if (state is None or a["state"] == state) and (code is None or a["code"] == code)
        ]

    def requests(self, *, method: str | None = None, path: str | None = None) -> list[Obj]:
        """Requests to the provider, oldest first: method, path, query, form, content_type,
        auth_scheme, bearer, client_auth ("basic", "post", "invalid", "none"), authorization
        (the id of the authorization request concerned), status, error, error_description,
        time."""
        data: list[Obj] = self._call("GET", "/requests")["data"]
        return [
            entry
            for entry in data
            if (method is None or entry["method"] == method)
            and (path is None or entry["path"] == path)
        ]

    def token_requests(self, code: str | None = None) -> list[Obj]:
        """POST /token requests (for ``code`` when given), oldest first."""
        return [
            entry
            for entry in self.requests(method="POST", path="/token")
            if code is None or (entry["form"] or {}).get("code") == code
        ]

    def userinfo_requests(self, access_token: str | None = None) -> list[Obj]:
        """Userinfo requests (with ``access_token`` when given), oldest first."""
        return [
            entry
            for entry in self.requests(path="/userinfo")
            if access_token is None or entry["bearer"] == access_token
        ]

    def jwks(self) -> Obj:
        """The provider's JWKS, once its key is ready."""
        data: Obj = self._call("GET", "/jwks")
        return data
