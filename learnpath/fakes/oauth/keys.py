"""RS256 for the fake provider: its RSA key, the JWKS, and the ID tokens it signs.

The key comes from ``cryptography``; tokens are encoded and signed by PyJWT. The one token
put together by hand is the tampered one: a genuine header and signature around other claims.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KEY_BITS = 2048
PUBLIC_EXPONENT = 65537


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class RsaKey:
    """An RSA private key and its ``kid``."""

    private: rsa.RSAPrivateKey
    kid: str

    @classmethod
    def generate(cls, bits: int = KEY_BITS) -> RsaKey:
        """A fresh key; its ``kid`` is its RFC 7638 JWK thumbprint."""
        private = rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=bits)
        public = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
        members = {"e": public["e"], "kty": "RSA", "n": public["n"]}
        canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
        return cls(private, kid=b64url(hashlib.sha256(canonical.encode()).digest()))

    def jwk(self) -> dict[str, str]:
        """The public key as a JWK (RFC 7517), with ``kid``, ``use`` and ``alg``."""
        public = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": public["n"],
            "e": public["e"],
        }


def _payload(claims: dict[str, Any]) -> bytes:
    return json.dumps(claims, separators=(",", ":")).encode()


# These sign the claims at PyJWT's JWS layer: ``jwt.encode`` refuses some claims (a non-string
# ``iss``, say) that a fault may set on purpose to see whether the client notices.


def sign_jwt(key: RsaKey, claims: dict[str, Any], *, header: dict[str, Any] | None = None) -> str:
    """A compact JWS with RS256 and the key's ``kid``."""
    headers = {"typ": "JWT", "kid": key.kid, **(header or {})}
    return jwt.api_jws.encode(_payload(claims), key.private, algorithm="RS256", headers=headers)


def unsigned_jwt(claims: dict[str, Any], *, kid: str | None = None) -> str:
    """An ``"alg": "none"`` token (header, claims, empty signature): what no one may accept."""
    headers = {"typ": "JWT", **({"kid": kid} if kid else {})}
    return jwt.api_jws.encode(_payload(claims), "", algorithm="none", headers=headers)


def tampered_jwt(key: RsaKey, claims: dict[str, Any], changed: dict[str, Any]) -> str:
    """A genuine signature of ``claims`` over a payload with ``changed`` claims swapped in: an
    attacker's edit of a real token."""
    header, _, signature = sign_jwt(key, claims).split(".")
    payload = unsigned_jwt({**claims, **changed}).split(".")[1]
    return f"{header}.{payload}.{signature}"
