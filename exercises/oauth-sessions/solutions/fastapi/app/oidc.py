"""The OpenID Connect client: discovery, the authorization URL with PKCE, the code exchange,
ID token validation against the provider's JWKS, and userinfo."""

import base64
import hashlib
import hmac
import secrets
import threading
from urllib.parse import urlencode

import httpx
import jwt

from . import config


class LoginError(Exception):
    """A sign-in that must be refused; ``status`` is the answer to the browser."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


_lock = threading.Lock()
_http = httpx.Client(timeout=10)  # one connection pool for every call to the provider
_metadata: dict | None = None
_jwks: jwt.PyJWKClient | None = None


def metadata() -> dict:
    """The provider's discovery document, fetched once."""
    global _metadata, _jwks
    with _lock:
        if _metadata is None:
            if not config.ISSUER:
                raise LoginError("OAUTH_ISSUER is not set: start the server with learnpath run", 500)
            url = f"{config.ISSUER}/.well-known/openid-configuration"
            try:
                meta = _http.get(url).raise_for_status().json()
            except httpx.HTTPError as exc:
                raise LoginError(f"the provider's discovery document is unavailable: {exc}", 502)
            if meta.get("issuer") != config.ISSUER:
                raise LoginError("the discovery document is for another issuer", 502)
            _metadata = meta
            # Caches the keys; fetches the set again when a token names a kid it does not know.
            _jwks = jwt.PyJWKClient(meta["jwks_uri"], cache_jwk_set=True, lifespan=300)
        return _metadata


def new_pkce() -> tuple[str, str]:
    """A fresh PKCE pair: the verifier (kept in the session) and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(state: str, nonce: str, challenge: str) -> str:
    params = {
        "response_type": "code",
        "client_id": config.CLIENT_ID,
        "redirect_uri": config.REDIRECT_URI,
        "scope": "openid email profile",
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return f"{metadata()['authorization_endpoint']}?{urlencode(params)}"


def exchange_code(code: str, verifier: str) -> dict:
    """POST the code to the token endpoint, authenticated with client_secret_basic."""
    try:
        resp = _http.post(
            metadata()["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": config.REDIRECT_URI,
                "code_verifier": verifier,
            },
            auth=(config.CLIENT_ID, config.CLIENT_SECRET),
        )
    except httpx.HTTPError as exc:
        raise LoginError(f"the token endpoint is unavailable: {exc}", 502) from None
    if resp.status_code != 200:
        try:
            error = resp.json()
            why = f"{error.get('error')}: {error.get('error_description', '')}"
        except ValueError:
            why = f"HTTP {resp.status_code}"
        raise LoginError(f"the provider refused the code ({why})")
    tokens = resp.json()
    if not isinstance(tokens.get("id_token"), str) or not isinstance(
        tokens.get("access_token"), str
    ):
        raise LoginError("the token response has no id_token or access_token", 502)
    return tokens


def verify_id_token(id_token: str, nonce: str) -> dict:
    """The ID token's claims once its signature (RS256, a key of the provider's JWKS), iss,
    aud, exp and nonce are right (OpenID Connect Core 3.1.3.7)."""
    metadata()
    assert _jwks is not None
    try:
        key = _jwks.get_signing_key_from_jwt(id_token).key
        claims = jwt.decode(
            id_token,
            key,
            algorithms=["RS256"],  # ours, never the token's header
            audience=config.CLIENT_ID,
            issuer=config.ISSUER,
            leeway=config.CLOCK_SKEW_SECONDS,
            options={"require": ["iss", "sub", "aud", "exp", "iat", "nonce"]},
        )
    except jwt.PyJWTError as exc:
        raise LoginError(f"the ID token is not valid: {exc}") from None
    if not hmac.compare_digest(str(claims["nonce"]), nonce):
        raise LoginError("the ID token's nonce is not the one of this sign-in")
    return claims


def userinfo(access_token: str, sub: str) -> dict:
    """The userinfo claims, which must be about the ID token's subject (Core 5.3.2)."""
    try:
        resp = _http.get(
            metadata()["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access_token}"},
        )
    except httpx.HTTPError as exc:
        raise LoginError(f"the userinfo endpoint is unavailable: {exc}", 502) from None
    if resp.status_code != 200:
        raise LoginError(f"userinfo answered {resp.status_code}", 502)
    info = resp.json()
    if info.get("sub") != sub:
        raise LoginError("userinfo is about another subject than the ID token")
    return info
