"""Stage ssrf: the import fetches what an outsider could fetch, and nothing on the inside.

Two servers of the grader's own stand in for the network: a "public" one your server is told
to trust (``ALLOWED_FETCH_HOSTS``), and an internal one that records every connection, HTTP
or not, and answers with a secret. A refused URL must be refused before anything is sent:
the internal server seeing one connection is a failure, whatever the import answered.
"""

import socket
import time
from urllib.parse import quote

import pytest

from learnpath.grading.checks import (
    CheckFailure,
    expect,
    expect_equal,
    expect_field,
    expect_json,
)

SETTLE = 0.1  # seconds: a fetch started in the background still shows up


@pytest.fixture(scope="module")
def importer(docs, targets):
    return docs.register("importer")


def _import(api, user, url: str):
    return api.post("/api/documents/import", json={"url": url}, headers=user.auth)


def _refused(api, kit, targets, user, url: str, why: str, statuses=(422,)):
    internal = targets.internal
    mark = internal.count()
    resp = _import(api, user, url)
    reached = internal.since(mark)
    if reached:
        raise CheckFailure(
            f"expected POST /api/documents/import with {url} ({why}) to be refused before "
            f"anything is sent, but the grader's internal server got a connection "
            f"({reached[0]}); the import answered {kit.brief(resp)}"
        )
    expect(
        targets.secret not in resp.text,
        f"expected the answer to an import of {url} not to hold the internal server's secret, "
        f"got {kit.brief(resp)}",
    )
    shown = " or ".join(str(s) for s in statuses)
    hint = ""
    if resp.status_code == 502:
        hint = " (502 means it tried to connect: check the address before connecting)"
    elif resp.status_code in (200, 201):
        hint = " (it was fetched)"
    expect(
        resp.status_code in statuses and kit.has_errors(resp),
        f"expected status {shown} with an errors object for POST /api/documents/import with "
        f"{url} ({why}), got {kit.brief(resp)}{hint}",
    )
    return resp


def _nothing_leaked(api, docs, kit, targets, user, mark: int) -> None:
    """After a settle: no late connection to the internal server, no secret in a document."""
    time.sleep(SETTLE)
    late = targets.internal.since(mark)
    expect(
        not late,
        f"expected the grader's internal server to get no connection at all, got {len(late)} "
        f"(the first: {late[0] if late else ''})",
    )
    found = docs.listing(user, "GET /api/documents (the importer's documents)")
    leaked = [d.get("id") for d in found if targets.secret in str(d.get("body"))]
    expect(
        not leaked,
        f"expected no document to hold the internal server's secret, got ids {leaked}",
    )


@pytest.mark.stage("ssrf")
def test_an_allowed_host_is_imported(api, docs, targets, importer):
    """A file of a host in ALLOWED_FETCH_HOSTS is imported (201), redirects within it too."""
    if not targets.configured:
        pytest.skip(targets.why_not)
    public = targets.public
    name = docs.unique("minutes") + ".txt"
    url = f"{public.origin}/notes/{name}"
    resp = _import(api, importer, url)
    expect(
        resp.status_code == 201,
        f"expected status 201 for POST /api/documents/import with {url} (its host:port is in "
        f"ALLOWED_FETCH_HOSTS={public.origin.removeprefix('http://')}), got "
        f"{resp.status_code}: {resp.text[:200]!r}",
    )
    doc = expect_field(expect_json(resp), "document", dict)
    expect_equal(doc.get("body"), public.text(name), "document.body of the imported file")
    expect_equal(doc.get("source_url"), url, "document.source_url")
    expect_equal(doc.get("owner_id"), importer.id, "document.owner_id")
    docs.read(importer, doc.get("id"), "the imported document")

    other = docs.unique("agenda") + ".txt"
    hop = f"{public.origin}/redirect?to={quote(f'{public.origin}/notes/{other}', safe='')}"
    resp = _import(api, importer, hop)
    expect(
        resp.status_code == 201,
        f"expected status 201 for an import of {hop}, which redirects (302) to another file of "
        f"the allowed host, got {resp.status_code}: {resp.text[:200]!r}",
    )
    body = expect_field(expect_json(resp), "document.body")
    expect_equal(body, public.text(other), "document.body of an import that was redirected")


@pytest.mark.stage("ssrf")
def test_the_loopback_is_refused_in_every_spelling(api, docs, kit, targets, importer):
    """127.0.0.1 in decimal, hex, octal and short form, and 0.0.0.0, answer 422, reach nothing."""
    port = targets.internal.port
    allowed = targets.public.origin.removeprefix("http://")
    mark = targets.internal.count()
    for url, why in (
        (f"http://127.0.0.1:{port}/", "the loopback, on a port that is not allowed"),
        (f"http://2130706433:{port}/", "127.0.0.1 written as a decimal number"),
        (f"http://0x7f000001:{port}/", "127.0.0.1 in hex"),
        (f"http://0177.0.0.1:{port}/", "127.0.0.1 in octal"),
        (f"http://127.1:{port}/", "127.0.0.1 in short form"),
        (f"http://0.0.0.0:{port}/", "0.0.0.0, which reaches this machine"),
        (
            f"http://{allowed}@127.0.0.1:{port}/",
            "the allowed host:port as a user name, before the real host",
        ),
        (
            f"http://127.0.0.1:{port}/?next=http://{allowed}/",
            "the allowed host:port in the query string",
        ),
    ):
        _refused(api, kit, targets, importer, url, why)
    _nothing_leaked(api, docs, kit, targets, importer, mark)


def _loopback_names() -> list[str]:
    """This machine's own name, when it resolves to loopback addresses only."""
    name = socket.gethostname()
    try:
        found = {info[4][0] for info in socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)}
    except OSError:
        return []
    loopback = all(a.startswith("127.") or a == "::1" for a in found)
    return [name] if found and loopback and name.lower() != "localhost" else []


@pytest.mark.stage("ssrf")
def test_ipv6_and_names_of_the_loopback_are_refused(api, docs, kit, targets, importer):
    """[::1], [::ffff:127.0.0.1], localhost and this machine's name answer 422 and reach nothing."""
    port = targets.internal.port
    mark = targets.internal.count()
    cases = [
        (f"http://[::1]:{port}/", "the IPv6 loopback"),
        (f"http://[::ffff:127.0.0.1]:{port}/", "127.0.0.1 as an IPv4-mapped IPv6 address"),
        (f"http://localhost:{port}/", "a name that resolves to 127.0.0.1"),
        (f"http://LOCALHOST:{port}/admin", "localhost in capitals"),
    ]
    cases += [
        (f"http://{name}:{port}/", "this machine's name, which resolves to the loopback")
        for name in _loopback_names()
    ]
    for url, why in cases:
        _refused(api, kit, targets, importer, url, why)
    _nothing_leaked(api, docs, kit, targets, importer, mark)


@pytest.mark.stage("ssrf")
def test_redirects_to_the_inside_are_refused(api, docs, kit, targets, importer):
    """A redirect from the allowed host to an internal address answers 422 and reaches nothing."""
    public, port = targets.public, targets.internal.port
    mark = targets.internal.count()

    def via(to: str, code: int = 302) -> str:
        return f"{public.origin}/redirect?code={code}&to={quote(to, safe='')}"

    for url, why in (
        (via(f"http://127.0.0.1:{port}/secret"), "a 302 to 127.0.0.1"),
        (via(f"http://2130706433:{port}/secret", 301), "a 301 to 127.0.0.1 in decimal"),
        (via(f"http://[::1]:{port}/secret", 307), "a 307 to [::1]"),
        (via(via(f"http://localhost:{port}/secret")), "two redirects, the second to localhost"),
    ):
        _refused(api, kit, targets, importer, url, why, statuses=(422, 502))
    _nothing_leaked(api, docs, kit, targets, importer, mark)


def _disk_lines() -> list[str]:
    """The first real line of /etc/passwd and /etc/hosts on this machine, if readable."""
    lines = []
    for path in ("/etc/passwd", "/etc/hosts"):
        try:
            with open(path, encoding="utf-8", errors="replace") as file:
                text = file.read(4096)
        except OSError:
            continue
        real = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
        if real and len(real[0]) >= 8:
            lines.append(real[0])
    return lines


@pytest.mark.stage("ssrf")
def test_other_schemes_are_refused(api, docs, kit, targets, importer):
    """file://, gopher://, ftp:// and dict:// URLs answer 422 and reach nothing."""
    port = targets.internal.port
    mark = targets.internal.count()
    for url, why in (
        ("file:///etc/passwd", "a file on the server's disk"),
        ("file://localhost/etc/hosts", "a file on the server's disk"),
        (f"gopher://127.0.0.1:{port}/_PING%0D%0A", "gopher, which sends raw bytes"),
        (f"ftp://127.0.0.1:{port}/", "ftp"),
        (f"dict://127.0.0.1:{port}/info", "dict"),
    ):
        resp = _refused(api, kit, targets, importer, url, why)
        for line in _disk_lines():
            expect(
                line not in resp.text,
                f"expected the answer to an import of {url} to hold nothing from the server's "
                f"disk, but it holds {line!r}",
            )
    _nothing_leaked(api, docs, kit, targets, importer, mark)


@pytest.mark.stage("ssrf")
def test_private_and_link_local_addresses_are_refused(api, docs, kit, targets, importer):
    """Private and link-local addresses, IPv4 and IPv6, answer 422."""
    # Addresses nothing should answer on (port 9 is "discard"): a server that does not refuse
    # them is not aimed at anything real, such as a cloud's metadata service at 169.254.169.254.
    for url, why in (
        ("http://169.254.1.1:9/latest/meta-data/", "a link-local address, like cloud metadata"),
        ("http://10.255.255.1:9/", "a private address"),
        ("http://192.168.255.254:9/", "a private address"),
        ("http://172.31.255.254:9/", "a private address"),
        ("http://[fd00::1]:9/", "a private (unique local) IPv6 address"),
        ("http://[fe80::1]:9/", "a link-local IPv6 address"),
    ):
        _refused(api, kit, targets, importer, url, why)
