"""Fetch a URL for an import without letting it reach what only the server can reach (SSRF).

Every hop (the URL, then each redirect) is checked: http or https only, and every address its
host resolves to must be a public one, unless host:port is in ALLOWED_FETCH_HOSTS. The
connection then goes to the address that was checked, so a second DNS answer cannot swap in
an internal one.
"""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from . import config

MAX_REDIRECTS = 3
MAX_BYTES = 1024 * 1024
TIMEOUT = 5.0
REDIRECTS = {301, 302, 303, 307, 308}


class Refused(Exception):
    """The URL may not be fetched (answered 422)."""


class FetchFailed(Exception):
    """The URL was allowed but fetching it failed (answered 502)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL
    port: int
    address: str  # the IP address to connect to
    path: str
    host_header: str


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return ip.is_global and not ip.is_multicast


def check(url: str) -> Target:
    """Where ``url`` would connect to, or :class:`Refused`."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Refused("only http and https URLs can be imported")
    host = (parts.hostname or "").lower()
    if not host:
        raise Refused("has no host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise Refused("has an invalid port") from None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise Refused("names a host that does not resolve") from None
    addresses = [info[4][0] for info in infos]
    trusted = f"{host}:{port}" in config.ALLOWED_FETCH_HOSTS or (
        ":" in host and f"[{host}]:{port}" in config.ALLOWED_FETCH_HOSTS
    )
    if not trusted and not all(is_public(a) for a in addresses):
        raise Refused("points to an internal address")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    host_header = f"[{host}]" if ":" in host else host
    if parts.port:
        host_header += f":{port}"
    return Target(scheme, host, port, addresses[0], path, host_header)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a checked address, with the certificate checked for the URL's host name."""

    def __init__(self, target: Target) -> None:
        super().__init__(target.host, target.port, timeout=TIMEOUT)
        self._target = target

    def connect(self) -> None:
        sock = socket.create_connection((self._target.address, self._target.port), TIMEOUT)
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(sock, server_hostname=self._target.host)


def _get(target: Target) -> http.client.HTTPResponse:
    if target.scheme == "https":
        conn: http.client.HTTPConnection = _PinnedHTTPS(target)
    else:
        conn = http.client.HTTPConnection(target.address, target.port, timeout=TIMEOUT)
    conn.request(
        "GET",
        target.path,
        headers={"Host": target.host_header, "User-Agent": "docs-importer/1.0"},
    )
    return conn.getresponse()


def fetch(url: str) -> str:
    """The text at ``url``, following at most 3 redirects, each checked like the first."""
    for _ in range(MAX_REDIRECTS + 1):
        target = check(url)
        try:
            resp = _get(target)
            if resp.status in REDIRECTS and resp.getheader("Location"):
                url = urljoin(url, resp.getheader("Location"))
                resp.close()
                continue
            if not 200 <= resp.status < 300:
                raise FetchFailed(f"the server answered {resp.status}")
            data = resp.read(MAX_BYTES + 1)
            resp.close()
        except (OSError, http.client.HTTPException) as exc:
            raise FetchFailed(f"could not be fetched ({exc.__class__.__name__})") from None
        if len(data) > MAX_BYTES:
            raise FetchFailed("is larger than 1 MB")
        return data.decode("utf-8", "replace")
    raise FetchFailed("redirects too often")
