"""RS256 for the fake provider, in pure Python: an RSA key, JWS signatures, the JWKS.

learnpath does not depend on a cryptography library, and a provider for graded exercises
needs none: it signs a few ID tokens per run. A key comes from the system's ``openssl`` when
there is one (a tenth of a second), else from Python itself (two 1024-bit primes, found by
sieving a window of odd numbers, then Miller-Rabin: about a second of CPU). Signing uses the
Chinese remainder theorem. Nothing here is constant-time: it is a test double.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

KEY_BITS = 2048
PUBLIC_EXPONENT = 65537
# DER prefix of a SHA-256 DigestInfo (RFC 8017, section 9.2, note 1).
_SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")
_WINDOW = 4096  # odd candidates sieved at once
_ROUNDS = 8  # Miller-Rabin rounds; far beyond FIPS 186-5's 5 for random 1024-bit candidates


def _small_primes(limit: int) -> list[int]:
    sieve = bytearray([1]) * (limit + 1)
    sieve[0:2] = b"\0\0"
    for n in range(2, int(limit**0.5) + 1):
        if sieve[n]:
            sieve[n * n :: n] = bytes(len(range(n * n, limit + 1, n)))
    return [n for n in range(3, limit + 1) if sieve[n]]


_SMALL = _small_primes(20000)


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _probably_prime(n: int, rounds: int = _ROUNDS) -> bool:
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(rounds):
        a = secrets.randbelow(n - 3) + 2
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def random_prime(bits: int) -> int:
    """A random prime of exactly ``bits`` bits with its top two bits set (so that the product
    of two has exactly twice as many), and ``p - 1`` coprime to the public exponent."""
    while True:
        base = secrets.randbits(bits) | (3 << (bits - 2)) | 1
        composite = bytearray(_WINDOW)
        for p in _SMALL:
            # base + 2k is divisible by p when k = -base / 2 (mod p)
            first = (-base * pow(2, -1, p)) % p
            composite[first::p] = b"\1" * len(range(first, _WINDOW, p))
        for k in range(_WINDOW):
            if composite[k]:
                continue
            candidate = base + 2 * k
            if candidate.bit_length() != bits:
                break
            if (candidate - 1) % PUBLIC_EXPONENT == 0:
                continue
            if _probably_prime(candidate, 1) and _probably_prime(candidate):
                return candidate


@dataclass(frozen=True)
class RsaKey:
    """An RSA private key with what RS256 and a JWKS need."""

    n: int
    e: int
    d: int
    p: int
    q: int
    kid: str

    @classmethod
    def generate(cls, bits: int = KEY_BITS, *, use_openssl: bool = True) -> RsaKey:
        """A fresh key: from ``openssl`` when it is there and works, else made here."""
        if use_openssl:
            with contextlib.suppress(OSError, ValueError, subprocess.SubprocessError):
                key = _from_openssl(bits)
                if key is not None:
                    return key
        while True:
            p, q = random_prime(bits // 2), random_prime(bits // 2)
            if p != q:
                break
        return cls.from_primes(p, q)

    @classmethod
    def from_primes(cls, p: int, q: int, e: int = PUBLIC_EXPONENT) -> RsaKey:
        n = p * q
        d = pow(e, -1, (p - 1) * (q - 1))
        return cls(n, e, d, p, q, kid=_thumbprint(n, e))

    @property
    def size(self) -> int:
        """The modulus length in bytes (256 for a 2048-bit key)."""
        return (self.n.bit_length() + 7) // 8

    def jwk(self) -> dict[str, str]:
        """The public key as a JWK (RFC 7517), with ``kid``, ``use`` and ``alg``."""
        return {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": b64url(self.n.to_bytes(self.size, "big")),
            "e": b64url(self.e.to_bytes((self.e.bit_length() + 7) // 8, "big")),
        }

    def sign(self, message: bytes) -> bytes:
        """RSASSA-PKCS1-v1_5 with SHA-256 (the signature of RS256)."""
        digest_info = _SHA256_PREFIX + hashlib.sha256(message).digest()
        padding = b"\xff" * (self.size - len(digest_info) - 3)
        m = int.from_bytes(b"\x00\x01" + padding + b"\x00" + digest_info, "big")
        sp = pow(m, self.d % (self.p - 1), self.p)
        sq = pow(m, self.d % (self.q - 1), self.q)
        h = (pow(self.q, -1, self.p) * (sp - sq)) % self.p
        return (sq + h * self.q).to_bytes(self.size, "big")

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's RS256 signature of ``message``."""
        if len(signature) != self.size:
            return False
        digest_info = _SHA256_PREFIX + hashlib.sha256(message).digest()
        padding = b"\xff" * (self.size - len(digest_info) - 3)
        expected = b"\x00\x01" + padding + b"\x00" + digest_info
        got = pow(int.from_bytes(signature, "big"), self.e, self.n)
        return got.to_bytes(self.size, "big") == expected


def _der_items(data: bytes) -> list[tuple[int, bytes]]:
    """The (tag, content) of each DER element in ``data`` (no nesting)."""
    items = []
    i = 0
    while i < len(data):
        tag, length = data[i], data[i + 1]
        i += 2
        if length & 0x80:
            size = length & 0x7F
            length = int.from_bytes(data[i : i + size], "big")
            i += size
        if i + length > len(data):
            raise ValueError("truncated DER")
        items.append((tag, data[i : i + length]))
        i += length
    return items


def _from_openssl(bits: int) -> RsaKey | None:
    """A key made by ``openssl genpkey`` (DER on stdout: PKCS#1, or PKCS#8 around it),
    checked; None without openssl."""
    tool = shutil.which("openssl")
    if tool is None:
        return None
    command = [tool, "genpkey", "-algorithm", "RSA", "-outform", "DER"]
    der = subprocess.run(
        [*command, "-pkeyopt", f"rsa_keygen_bits:{bits}"],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    [(_, body)] = _der_items(der)
    items = _der_items(body)
    if len(items) >= 3 and items[2][0] == 0x04:  # PKCS#8 around the PKCS#1 key
        [(_, body)] = _der_items(items[2][1])
        items = _der_items(body)
    numbers = [int.from_bytes(value, "big") for tag, value in items if tag == 0x02]
    _, n, e, _, p, q = numbers[:6]
    if e != PUBLIC_EXPONENT or p * q != n or n.bit_length() != bits:
        return None
    key = RsaKey.from_primes(p, q, e)
    message = b"learnpath"
    return key if key.verify(message, key.sign(message)) else None


def _thumbprint(n: int, e: int) -> str:
    """The RFC 7638 JWK thumbprint, the conventional ``kid``."""
    members = {
        "e": b64url(e.to_bytes((e.bit_length() + 7) // 8, "big")),
        "kty": "RSA",
        "n": b64url(n.to_bytes((n.bit_length() + 7) // 8, "big")),
    }
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode()).digest())


def _part(obj: dict[str, Any]) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def sign_jwt(key: RsaKey, claims: dict[str, Any], *, header: dict[str, Any] | None = None) -> str:
    """A compact JWS with RS256 and the key's ``kid``."""
    head = {"alg": "RS256", "typ": "JWT", "kid": key.kid, **(header or {})}
    signing_input = f"{_part(head)}.{_part(claims)}"
    return f"{signing_input}.{b64url(key.sign(signing_input.encode('ascii')))}"


def unsigned_jwt(claims: dict[str, Any], *, kid: str | None = None) -> str:
    """An ``"alg": "none"`` token (header, claims, empty signature): what no one may accept."""
    head: dict[str, Any] = {"alg": "none", "typ": "JWT"}
    if kid:
        head["kid"] = kid
    return f"{_part(head)}.{_part(claims)}."


def tampered_jwt(key: RsaKey, claims: dict[str, Any], changed: dict[str, Any]) -> str:
    """A genuine signature of ``claims`` over a payload with ``changed`` claims swapped in: an
    attacker's edit of a real token."""
    header, _, signature = sign_jwt(key, claims).split(".")
    return f"{header}.{_part({**claims, **changed})}.{signature}"


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of a compact JWT, without checking anything."""
    header, claims, _ = token.split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(claims))


def verify_jwt(key: RsaKey, token: str) -> dict[str, Any] | None:
    """The claims of an RS256 token signed by ``key``, or None."""
    try:
        header_part, claims_part, signature = token.split(".")
        header, claims = decode_unverified(token)
        ok = header.get("alg") == "RS256" and key.verify(
            f"{header_part}.{claims_part}".encode("ascii"), b64url_decode(signature)
        )
    except (ValueError, UnicodeError):
        return None
    return claims if ok else None
