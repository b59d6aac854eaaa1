"""``learnpath validate --links`` against a real HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from learnpath.content import links

from .test_quizlint import balanced_question, make_track


class Handler(BaseHTTPRequestHandler):
    """/ok, /moved (-> /ok), /slash (-> /slash/), /missing (404), /nohead (405 on HEAD),
    /slow (answers after a second)."""

    starts: ClassVar[list[tuple[float, str, str]]] = []
    in_flight = 0
    most_in_flight = 0
    lock = threading.Lock()

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _answer(self) -> None:
        cls = type(self)
        with cls.lock:
            cls.starts.append((time.monotonic(), self.command, self.path))
            cls.in_flight += 1
            cls.most_in_flight = max(cls.most_in_flight, cls.in_flight)
        try:
            self._route()
        finally:
            with cls.lock:
                cls.in_flight -= 1

    def _route(self) -> None:
        path = self.path
        if path == "/slow":
            time.sleep(1.0)
        if path in ("/moved", "/slash"):
            target = "/ok" if path == "/moved" else "/slash/"
            self.send_response(301)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status = 200
        if path == "/missing":
            status = 404
        elif path == "/nohead" and self.command == "HEAD":
            status = 405
        elif path not in ("/ok", "/slash/", "/nohead", "/slow", "/p1", "/p2", "/p3", "/p4"):
            status = 404
        body = b"hello"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    do_GET = _answer
    do_HEAD = _answer


@pytest.fixture
def server() -> Iterator[str]:
    Handler.starts = []
    Handler.in_flight = Handler.most_in_flight = 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


FAST = links.Settings(timeout=0.5, host_interval=0.0, per_host=4)


def test_outcomes(server):
    urls = [f"{server}/{p}" for p in ("ok", "moved", "slash", "missing", "nohead", "slow")]
    got = {r.url.rsplit("/", 1)[1]: r for r in links.check(urls, FAST)}
    assert {k: r.outcome for k, r in got.items()} == {
        "ok": "ok",
        "moved": "moved",
        "slash": "ok",  # a trailing slash added by a redirect is not a move
        "missing": "broken",
        "nohead": "ok",  # HEAD refused with 405, GET answers
        "slow": "broken",
    }
    assert got["moved"].final == f"{server}/ok"
    assert got["missing"].detail == "HTTP 404"
    assert got["slow"].detail == "no answer within 0.5 s"
    assert ("GET", "/nohead") in {(m, p) for _, m, p in Handler.starts}
    assert ("GET", "/ok") not in {(m, p) for _, m, p in Handler.starts}  # HEAD was enough


def test_per_host_rate_limit_and_concurrency(server):
    urls = [f"{server}/p{i}" for i in range(1, 5)]
    links.check(urls, links.Settings(timeout=2, host_interval=0.2, per_host=2))
    times = sorted(t for t, _, _ in Handler.starts)
    assert len(times) == 4
    assert all(b - a >= 0.18 for a, b in itertools.pairwise(times)), times
    assert Handler.most_in_flight <= 2


def test_same_place():
    assert links.same_place("http://a.org/x", "https://a.org/x/")
    assert not links.same_place("https://a.org/x", "https://a.org/y")
    assert not links.same_place("https://a.org/x", "https://b.org/x")


def test_no_network_when_the_first_probes_cannot_resolve():
    urls = [f"https://host{i}.invalid/page" for i in range(3)]
    with pytest.raises(links.NoNetwork):
        links.check(urls, FAST)


def test_an_unknown_host_is_broken_when_others_answer(server):
    results = links.check([f"{server}/ok", "https://nowhere.invalid/x"], FAST)
    assert [r.outcome for r in results] == ["ok", "broken"]


def _track_with_urls(root: Path, urls: list[str]) -> Path:
    root = make_track(root, balanced_question, weeks=3, per_week=5)
    module = root / "quiztrack" / "w02.yaml"
    doc = json.loads(module.read_text())
    doc["resources"] = [{"title": f"R{i}", "url": u, "type": "article"} for i, u in enumerate(urls)]
    module.write_text(json.dumps(doc, indent=1))
    for w in ("w01.yaml", "w03.yaml"):  # the other weeks point at the server too
        other = root / "quiztrack" / w
        doc = json.loads(other.read_text())
        doc["resources"] = [{"title": "OK", "url": urls[0], "type": "official"}] * 2
        other.write_text(json.dumps(doc, indent=1))
    return root


def test_validate_links_reports_moved_and_broken_with_places(cli, tmp_path, server):
    root = _track_with_urls(tmp_path, [f"{server}/ok", f"{server}/moved", f"{server}/missing"])
    result = cli("learnpath", "validate", str(root), "--links", cwd=tmp_path, timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    place = str(Path("quiztrack/w02.yaml"))
    assert any(
        line.startswith(place) and line.endswith(f"moved: {server}/moved (now {server}/ok)")
        for line in lines
    ), lines
    assert any(
        line.startswith(place) and line.endswith(f"broken: {server}/missing (HTTP 404)")
        for line in lines
    ), lines
    assert lines[-1] == "links: 3 checked, 1 moved, 1 broken"


def test_validate_links_skips_without_a_network(cli, tmp_path):
    root = _track_with_urls(tmp_path, [f"https://docs{i}.invalid/x" for i in range(3)])
    result = cli("learnpath", "validate", str(root), "--links", cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "links not checked: no network"
