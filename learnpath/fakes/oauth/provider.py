"""The provider's state and rules: clients, authorization requests, codes, tokens, faults.

Everything here is synchronous and runs on the server's one event loop, so each operation is
atomic; app.py turns HTTP requests into calls of :class:`Provider` and its answers into HTTP.
The rules follow RFC 6749 (OAuth 2.0), RFC 7636 (PKCE, S256 only and always required) and
OpenID Connect Core 1.0 (ID tokens, userinfo, discovery).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from learnpath.fakes.oauth.keys import RsaKey, b64url, sign_jwt, tampered_jwt, unsigned_jwt

Obj = dict[str, Any]

DEFAULT_CODE_TTL = 60.0  # seconds an authorization code can be redeemed
DEFAULT_ACCESS_TTL = 3600.0
DEFAULT_ID_TOKEN_TTL = 300.0
SCOPES = ("openid", "email", "profile")
_PKCE = re.compile(r"[A-Za-z0-9._~-]{43,128}")
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")

# Named ways to make the next ID tokens (or userinfo answers) wrong; see Provider.add_fault.
FAULTS: dict[str, str] = {
    "wrong_iss": "the ID token's iss is another issuer",
    "wrong_aud": "the ID token's aud is another client",
    "expired": "the ID token expired 10 minutes ago",
    "wrong_nonce": "the ID token's nonce is not the one of the authorization request",
    "no_nonce": "the ID token has no nonce",
    "tampered": "the ID token's claims were changed after it was signed",
    "alg_none": 'the ID token is unsigned ("alg": "none")',
    "userinfo_sub": "userinfo answers for another subject (sub) than the ID token",
}
WRONG_ISSUER = "https://accounts.example.invalid"
WRONG_AUDIENCE = "another-client"


class OAuthError(Exception):
    """An error answered as RFC 6749 section 5.2 says: ``{"error", "error_description"}``."""

    def __init__(self, status: int, error: str, description: str, **headers: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.headers = headers

    def body(self) -> Obj:
        return {"error": self.error, "error_description": self.description}


class ControlError(Exception):
    """A control API request the fake refuses (400 with the message)."""


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uris: list[str]


@dataclass
class Authorization:
    """One authorization request the provider accepted, and what became of it."""

    id: str
    client_id: str
    redirect_uri: str
    scope: list[str]
    state: str | None
    nonce: str | None
    code_challenge: str
    code_challenge_method: str
    created: float
    user: Obj | None = None
    decision: str = "pending"  # pending | allow | deny
    code: str | None = None
    code_expires: float = 0.0
    redeemed: bool = False
    redeem_attempts: int = 0
    reused: bool = False
    access_tokens: list[str] = field(default_factory=list)
    id_token: str | None = None
    faults: list[str] = field(default_factory=list)

    def public(self) -> Obj:
        return {
            "id": self.id,
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.scope),
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": self.code_challenge,
            "code_challenge_method": self.code_challenge_method,
            "created": self.created,
            "user": copy.deepcopy(self.user),
            "decision": self.decision,
            "code": self.code,
            "code_expires": self.code_expires,
            "redeemed": self.redeemed,
            "redeem_attempts": self.redeem_attempts,
            "reused": self.reused,
            "access_tokens": list(self.access_tokens),
            "revoked": [],
            "id_token": self.id_token,
            "faults": list(self.faults),
        }


@dataclass
class AccessToken:
    token: str
    authorization: str
    sub: str
    scope: list[str]
    expires: float
    claims: Obj
    revoked: bool = False
    userinfo_fault: bool = False


@dataclass
class Fault:
    """A planned misbehaviour: applied to the next ``count`` token answers."""

    name: str | None
    claims: Obj
    remove: list[str]
    count: int

    def public(self) -> Obj:
        return {
            "fault": self.name,
            "claims": dict(self.claims),
            "remove": list(self.remove),
            "count": self.count,
        }


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of ``verifier``: BASE64URL(SHA256(ASCII(verifier)))."""
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def sub_for_email(email: str) -> str:
    """A stable subject for a person who signs in on the consent page with ``email``."""
    return "user-" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def check_user(value: Any) -> Obj:
    """A user for the control API or the consent page: sub, email, name, email_verified."""
    if not isinstance(value, dict):
        raise ControlError("user must be an object with email (and sub, name, email_verified)")
    unknown = set(value) - {"sub", "email", "name", "email_verified"}
    if unknown:
        raise ControlError(f"unknown user fields: {', '.join(sorted(unknown))}")
    email = value.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise ControlError("user.email must be an email address")
    sub = value.get("sub") or sub_for_email(email)
    name = value.get("name") or email.split("@", 1)[0]
    verified = value.get("email_verified", True)
    if not isinstance(sub, str) or not isinstance(name, str) or not isinstance(verified, bool):
        raise ControlError("user.sub and user.name are strings, user.email_verified a boolean")
    return {"sub": sub, "email": email, "name": name, "email_verified": verified}


class Provider:
    """One OpenID provider with one registered client."""

    def __init__(self, client: Client, control_token: str) -> None:
        self.issuer = ""  # the provider's own URL, set once it listens
        self.client = client
        self.control_token = control_token
        self._key: RsaKey | None = None
        self._key_ready = threading.Event()
        self.requests: list[Obj] = []
        self.reset()

    # -- the signing key: generated in the background so that start-up stays fast -----------

    def generate_key(self) -> None:
        self._key = RsaKey.generate()
        self._key_ready.set()

    def key(self, timeout: float = 60.0) -> RsaKey:
        """The signing key (waits for its generation, which takes tens of milliseconds)."""
        if not self._key_ready.wait(timeout):
            raise OAuthError(503, "temporarily_unavailable", "the signing key is not ready yet")
        assert self._key is not None
        return self._key

    @property
    def key_ready(self) -> bool:
        return self._key_ready.is_set()

    # -- state ------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every authorization, token, fault and logged request; settings to defaults."""
        self.authorizations: dict[str, Authorization] = {}
        self.codes: dict[str, str] = {}  # code -> authorization id
        self.tokens: dict[str, AccessToken] = {}
        self.faults: list[Fault] = []
        self.requests.clear()
        self.signin: Obj | None = None  # None: show the consent page
        self.decision = "allow"
        self.code_ttl = DEFAULT_CODE_TTL
        self.access_ttl = DEFAULT_ACCESS_TTL
        self.id_token_ttl = DEFAULT_ID_TOKEN_TTL
        self.clock_offset = 0.0

    def now(self) -> float:
        """The provider's clock: the real one, plus what graders advanced it by."""
        return time.time() + self.clock_offset

    def config(self) -> Obj:
        return {
            "issuer": self.issuer,
            "client_id": self.client.client_id,
            "redirect_uris": list(self.client.redirect_uris),
            "code_ttl": self.code_ttl,
            "access_token_ttl": self.access_ttl,
            "id_token_ttl": self.id_token_ttl,
            "clock_offset": self.clock_offset,
            "signin": copy.deepcopy(self.signin),
            "decision": self.decision,
            "key_ready": self.key_ready,
        }

    def discovery(self) -> Obj:
        """The OpenID Provider Metadata (OpenID Connect Discovery 1.0, section 3)."""
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/.well-known/jwks.json",
            "scopes_supported": list(SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": [
                "iss",
                "sub",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "email",
                "email_verified",
                "name",
            ],
        }

    def jwks(self) -> Obj:
        return {"keys": [self.key().jwk()]}

    # -- the authorization endpoint -----------------------------------------------------------

    def authorize(self, params: dict[str, str]) -> Authorization:
        """Check an authorization request (RFC 6749 4.1.1, RFC 7636 4.3).

        A bad client_id or redirect_uri raises OAuthError with status 400: the user must not be
        sent to an unverified address (RFC 6749 4.1.2.1). Other problems are sent back to the
        redirect_uri: they raise OAuthError with status 302.
        """
        client_id = params.get("client_id", "")
        if not client_id:
            raise OAuthError(400, "invalid_request", "client_id is missing")
        if not hmac.compare_digest(client_id.encode(), self.client.client_id.encode()):
            raise OAuthError(400, "invalid_client", f"unknown client_id {client_id!r}")
        redirect_uri = params.get("redirect_uri", "")
        if not redirect_uri:
            raise OAuthError(400, "invalid_request", "redirect_uri is missing")
        if redirect_uri not in self.client.redirect_uris:
            registered = ", ".join(self.client.redirect_uris)
            raise OAuthError(
                400,
                "invalid_request",
                f"redirect_uri {redirect_uri!r} is not registered for this client (it must match "
                f"exactly, character for character: {registered})",
            )
        state = params.get("state")

        def refuse(error: str, description: str) -> OAuthError:
            return OAuthError(302, error, description)

        if params.get("response_type") != "code":
            raise refuse(
                "unsupported_response_type",
                f"response_type must be 'code', got {params.get('response_type')!r}",
            )
        scope = params.get("scope", "").split()
        if "openid" not in scope:
            raise refuse(
                "invalid_scope", "scope must include 'openid' (e.g. 'openid email profile')"
            )
        unknown = [s for s in scope if s not in SCOPES]
        if unknown:
            raise refuse("invalid_scope", f"unknown scope(s): {', '.join(unknown)}")
        challenge = params.get("code_challenge", "")
        method = params.get("code_challenge_method", "")
        if not challenge:
            raise refuse("invalid_request", "PKCE is required: send code_challenge (S256)")
        if method != "S256":
            raise refuse(
                "invalid_request",
                f"code_challenge_method must be 'S256', got {method or 'none'!r}",
            )
        if not _CHALLENGE.fullmatch(challenge):
            raise refuse(
                "invalid_request",
                "code_challenge must be BASE64URL(SHA256(code_verifier)) without padding "
                "(43 characters)",
            )
        authz = Authorization(
            id="az_" + secrets.token_hex(8),
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=scope,
            state=state,
            nonce=params.get("nonce"),
            code_challenge=challenge,
            code_challenge_method=method,
            created=self.now(),
        )
        self.authorizations[authz.id] = authz
        return authz

    def decide(self, authz: Authorization, user: Obj | None, decision: str) -> None:
        """The user's answer on the consent step: a code for ``allow``, nothing for ``deny``."""
        if authz.decision != "pending":
            raise ControlError("this authorization request was already answered")
        authz.decision = decision
        if decision == "allow":
            assert user is not None
            authz.user = copy.deepcopy(user)
            authz.code = secrets.token_urlsafe(24)
            authz.code_expires = self.now() + self.code_ttl
            self.codes[authz.code] = authz.id

    # -- the token endpoint -------------------------------------------------------------------

    def authenticate_client(self, basic: str | None, form: dict[str, str]) -> str:
        """``basic`` or ``post``: how the client authenticated (RFC 6749 2.3.1); else raises."""
        form_secret = form.get("client_secret")
        if basic is not None and form_secret is not None:
            raise OAuthError(
                400,
                "invalid_request",
                "use one client authentication method: the Authorization header or "
                "client_secret in the body, not both",
            )
        if basic is not None:
            try:
                raw = base64.b64decode(basic, validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                raise OAuthError(
                    401,
                    "invalid_client",
                    "the Basic credentials are not base64 of client_id:client_secret",
                    **{"WWW-Authenticate": 'Basic realm="oauth"'},
                ) from None
            from urllib.parse import unquote_plus

            client_id, _, secret = raw.partition(":")
            client_id, secret = unquote_plus(client_id), unquote_plus(secret)
            given_id = form.get("client_id")
            if given_id is not None and given_id != client_id:
                raise OAuthError(
                    400, "invalid_request", "client_id in the body differs from the Basic one"
                )
            self._check_secret(client_id, secret, basic=True)
            return "basic"
        if form_secret is not None:
            self._check_secret(form.get("client_id", ""), form_secret, basic=False)
            return "post"
        raise OAuthError(
            401,
            "invalid_client",
            "client authentication is required: HTTP Basic with client_id:client_secret "
            "(client_secret_basic) or client_id and client_secret in the body "
            "(client_secret_post)",
            **{"WWW-Authenticate": 'Basic realm="oauth"'},
        )

    def _check_secret(self, client_id: str, secret: str, *, basic: bool) -> None:
        ok = hmac.compare_digest(client_id.encode(), self.client.client_id.encode())
        ok = hmac.compare_digest(secret.encode(), self.client.client_secret.encode()) and ok
        if not ok:
            headers = {"WWW-Authenticate": 'Basic realm="oauth"'} if basic else {}
            raise OAuthError(401, "invalid_client", "wrong client_id or client_secret", **headers)

    def token(self, form: dict[str, str], basic: str | None, entry: Obj) -> Obj:
        """The authorization code grant (RFC 6749 4.1.3, RFC 7636 4.5-4.6)."""
        try:
            entry["client_auth"] = self.authenticate_client(basic, form)
        except OAuthError:
            given = basic is not None or "client_secret" in form
            entry["client_auth"] = "invalid" if given else "none"
            raise
        grant = form.get("grant_type")
        if grant != "authorization_code":
            raise OAuthError(
                400,
                "unsupported_grant_type",
                f"grant_type must be 'authorization_code', got {grant!r}",
            )
        code = form.get("code")
        if not code:
            raise OAuthError(400, "invalid_request", "code is missing")
        authz_id = self.codes.get(code)
        if authz_id is None:
            raise OAuthError(400, "invalid_grant", "unknown authorization code")
        authz = self.authorizations[authz_id]
        entry["authorization"] = authz.id
        authz.redeem_attempts += 1
        if authz.redeemed:
            # RFC 6749 4.1.2: a code used twice revokes the tokens issued from it.
            authz.reused = True
            for token in authz.access_tokens:
                self.tokens[token].revoked = True
            raise OAuthError(
                400,
                "invalid_grant",
                "this authorization code was already used; the tokens issued from it are "
                "revoked now",
            )
        if self.now() > authz.code_expires:
            raise OAuthError(400, "invalid_grant", "the authorization code expired")
        if form.get("redirect_uri") != authz.redirect_uri:
            raise OAuthError(
                400,
                "invalid_grant",
                f"redirect_uri must be the one of the authorization request "
                f"({authz.redirect_uri}), got {form.get('redirect_uri')!r}",
            )
        verifier = form.get("code_verifier")
        if not verifier:
            raise OAuthError(400, "invalid_grant", "code_verifier is missing (PKCE is required)")
        if not _PKCE.fullmatch(verifier):
            raise OAuthError(
                400,
                "invalid_request",
                "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
            )
        if not hmac.compare_digest(s256(verifier), authz.code_challenge):
            raise OAuthError(
                400,
                "invalid_grant",
                "code_verifier does not match the code_challenge of the authorization request",
            )
        authz.redeemed = True
        return self._issue(authz)

    def _issue(self, authz: Authorization) -> Obj:
        assert authz.user is not None
        key = self.key()
        now = self.now()
        user = authz.user
        claims: Obj = {
            "iss": self.issuer,
            "sub": user["sub"],
            "aud": authz.client_id,
            "exp": int(now + self.id_token_ttl),
            "iat": int(now),
            "auth_time": int(authz.created),
        }
        if authz.nonce is not None:
            claims["nonce"] = authz.nonce
        if "email" in authz.scope:
            claims["email"] = user["email"]
            claims["email_verified"] = user["email_verified"]
        if "profile" in authz.scope:
            claims["name"] = user["name"]
        access = secrets.token_urlsafe(32)
        claims["at_hash"] = b64url(hashlib.sha256(access.encode()).digest()[:16])
        fault = self.faults[0] if self.faults else None
        signature = "rs256"
        userinfo_fault = False
        if fault is not None:
            fault.count -= 1
            if fault.count <= 0:
                self.faults.pop(0)
            authz.faults.append(fault.name or "custom")
            signature, userinfo_fault = self._apply(fault, claims, now)
        if signature == "tampered":
            changed = {"email": "mallory@example.invalid", "sub": "mallory-" + secrets.token_hex(4)}
            id_token = tampered_jwt(key, claims, changed)
        elif signature == "none":
            id_token = unsigned_jwt(claims, kid=key.kid)
        else:
            id_token = sign_jwt(key, claims)
        self.tokens[access] = AccessToken(
            token=access,
            authorization=authz.id,
            sub=user["sub"],
            scope=list(authz.scope),
            expires=now + self.access_ttl,
            claims=copy.deepcopy(user),
            userinfo_fault=userinfo_fault,
        )
        authz.access_tokens.append(access)
        authz.id_token = id_token
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(self.access_ttl),
            "scope": " ".join(authz.scope),
            "id_token": id_token,
        }

    @staticmethod
    def _apply(fault: Fault, claims: Obj, now: float) -> tuple[str, bool]:
        """Change ``claims`` as ``fault`` says; the signature to use and whether userinfo lies."""
        name = fault.name
        signature = "rs256"
        if name == "wrong_iss":
            claims["iss"] = WRONG_ISSUER
        elif name == "wrong_aud":
            claims["aud"] = WRONG_AUDIENCE
        elif name == "expired":
            claims["iat"] = int(now - 900)
            claims["exp"] = int(now - 600)
        elif name == "wrong_nonce":
            claims["nonce"] = secrets.token_urlsafe(16)
        elif name == "no_nonce":
            claims.pop("nonce", None)
        elif name == "tampered":
            signature = "tampered"
        elif name == "alg_none":
            signature = "none"
        claims.update(copy.deepcopy(fault.claims))
        for claim in fault.remove:
            claims.pop(claim, None)
        return signature, name == "userinfo_sub"

    # -- the userinfo endpoint ---------------------------------------------------------------

    def userinfo(self, bearer: str | None) -> Obj:
        challenge = 'Bearer realm="oauth"'
        if not bearer:
            raise OAuthError(
                401,
                "invalid_request",
                "send the access token: 'Authorization: Bearer <access_token>'",
                **{"WWW-Authenticate": challenge},
            )
        token = self.tokens.get(bearer)
        problem = None
        if token is None:
            problem = "unknown access token"
        elif token.revoked:
            problem = "the access token was revoked (its authorization code was used twice)"
        elif self.now() > token.expires:
            problem = "the access token expired"
        if problem is not None or token is None:
            raise OAuthError(
                401,
                "invalid_token",
                problem or "unknown access token",
                **{"WWW-Authenticate": f'{challenge}, error="invalid_token"'},
            )
        info: Obj = {"sub": token.sub}
        if "email" in token.scope:
            info["email"] = token.claims["email"]
            info["email_verified"] = token.claims["email_verified"]
        if "profile" in token.scope:
            info["name"] = token.claims["name"]
        if token.userinfo_fault:
            info["sub"] = "other-" + secrets.token_hex(6)
        return info

    # -- control ------------------------------------------------------------------------------

    def authorizations_public(self) -> list[Obj]:
        """Every authorization request, oldest first, with the tokens revoked since."""
        found = []
        for authz in self.authorizations.values():
            item = authz.public()
            item["revoked"] = [t for t in authz.access_tokens if self.tokens[t].revoked]
            found.append(item)
        return found

    def add_fault(self, body: Obj) -> Fault:
        """Plan a misbehaviour for the next ``count`` (default 1) token answers: a named
        ``fault`` (see :data:`FAULTS`), and/or ``claims`` to set and ``remove`` to drop."""
        unknown = set(body) - {"fault", "claims", "remove", "count"}
        if unknown:
            raise ControlError(f"unknown fault options: {', '.join(sorted(unknown))}")
        name = body.get("fault")
        if name is not None and name not in FAULTS:
            raise ControlError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
        claims = body.get("claims") or {}
        remove = body.get("remove") or []
        count = body.get("count", 1)
        if not isinstance(claims, dict):
            raise ControlError("claims is an object of ID token claims to set")
        if not isinstance(remove, list) or not all(isinstance(c, str) for c in remove):
            raise ControlError("remove is a list of claim names")
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 1000:
            raise ControlError("count is a whole number from 1 to 1000")
        if name is None and not claims and not remove:
            raise ControlError("give a fault name, claims to set or claims to remove")
        fault = Fault(name, claims, remove, count)
        self.faults.append(fault)
        return fault

    def set_config(self, body: Obj) -> None:
        allowed = {"code_ttl", "access_token_ttl", "id_token_ttl", "redirect_uris", "advance"}
        unknown = set(body) - allowed
        if unknown:
            raise ControlError(f"unknown settings: {', '.join(sorted(unknown))}")
        for name in ("code_ttl", "access_token_ttl", "id_token_ttl"):
            if name in body:
                value = body[name]
                number = isinstance(value, int | float) and not isinstance(value, bool)
                if not number or not 0 < value <= 86400:
                    raise ControlError(f"{name} is seconds, more than 0 and at most 86400")
        if "advance" in body:
            value = body["advance"]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ControlError("advance is seconds (0 or more) to move the clock forward")
        if "redirect_uris" in body:
            uris = body["redirect_uris"]
            if not isinstance(uris, list) or not uris or not all(isinstance(u, str) for u in uris):
                raise ControlError("redirect_uris is a non-empty list of URLs")
            self.client.redirect_uris = list(uris)
        self.code_ttl = float(body.get("code_ttl", self.code_ttl))
        self.access_ttl = float(body.get("access_token_ttl", self.access_ttl))
        self.id_token_ttl = float(body.get("id_token_ttl", self.id_token_ttl))
        self.clock_offset += float(body.get("advance", 0))

    def set_signin(self, body: Obj) -> None:
        unknown = set(body) - {"user", "decision"}
        if unknown:
            raise ControlError(f"unknown sign-in options: {', '.join(sorted(unknown))}")
        decision = body.get("decision", "allow")
        if decision not in ("allow", "deny"):
            raise ControlError("decision is 'allow' or 'deny'")
        if "user" in body:
            self.signin = None if body["user"] is None else check_user(body["user"])
        self.decision = decision
