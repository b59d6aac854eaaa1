"""The grading engine's parts in isolation: checks, client records, plans, discovery, scaffold."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import httpx
import pytest

from learnpath.content import exercises
from learnpath.content import graders as discovery
from learnpath.errors import LearnpathError, UsageError
from learnpath.grading import checks, runner, scaffold, watch
from learnpath.grading.client import Exchange

from .conftest import FIXTURES

CONTENT = FIXTURES / "content"


@pytest.fixture(autouse=True)
def _content(monkeypatch):
    monkeypatch.setenv("LEARNPATH_CONTENT", str(CONTENT))


def resp(status=200, body=b"", ctype="application/json", method="POST", url="http://h/api/x"):
    return httpx.Response(
        status, content=body, headers={"content-type": ctype}, request=httpx.Request(method, url)
    )


def fails(fn, *args) -> str:
    with pytest.raises(AssertionError) as info:
        fn(*args)
    return str(info.value)


def test_check_messages_say_expected_and_got():
    assert fails(checks.expect_status, resp(200, b'{"a":1}'), 201) == (
        "expected status 201 for POST /api/x, got 200: '{\"a\":1}'"
    )
    html = resp(200, b"<html>hi</html>", "text/html")
    assert fails(checks.expect_json, html) == (
        "expected a JSON body for POST /api/x, got text/html: '<html>hi</html>'"
    )
    assert "got an empty body" in fails(checks.expect_json, resp(200, b""))
    body = {"user": {"token": None, "n": True}}
    assert fails(checks.expect_field, body, "user.token", str) == (
        "expected user.token to be a string, got null"
    )
    assert fails(checks.expect_field, body, "user.n", int) == (
        "expected user.n to be a number, got true"
    )
    assert "to have a 'email' field" in fails(checks.expect_field, body, "user.email")
    assert checks.expect_field({"a": [{"b": 3}]}, "a.0.b", int) == 3
    assert fails(checks.expect_equal, "a", "b", "name") == "expected name to be 'b', got 'a'"


def test_exchange_curl_is_copy_pasteable_and_short():
    ex = Exchange(
        "POST",
        "http://127.0.0.1:1/api/users",
        {"Content-Type": "application/json", "Authorization": "Token a'b"},
        b'{"user": {"username": "o\'brien"}}',
    )
    assert ex.curl() == (
        "curl -i -X POST http://127.0.0.1:1/api/users -H 'Content-Type: application/json' "
        "-H 'Authorization: Token a'\"'\"'b' -d '{\"user\": {\"username\": \"o'\"'\"'brien\"}}'"
    )
    long = Exchange("PUT", "http://h/x", {}, b"y" * 10_000)
    assert len(long.curl()) < 2100


def test_plan_orders_current_stage_first_then_earlier():
    ex = exercises.get("mini-api")
    assert runner.plan(ex) == (["health"], True)
    assert runner.plan(ex, current="lookup") == (["lookup", "health", "users"], True)
    assert runner.plan(ex, current="gone") == (["health"], True)
    assert runner.plan(ex, all_stages=True) == (["health", "users", "lookup"], False)
    assert runner.plan(ex, stage="users") == (["users"], False)
    # every stage passed: regrade them all, in order, stopping at the first failure
    assert runner.plan(ex, current=runner.ALL_DONE) == (["health", "users", "lookup"], True)
    with pytest.raises(UsageError):
        runner.plan(ex, stage="nope")


def test_discovery_accepts_the_fixture_graders():
    assert discovery.check_graders(exercises.get("mini-api")) == []


def test_discovery_reports_unmarked_unknown_and_uncovered(tmp_path, monkeypatch):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    graders = content / "graders" / "mini-api"
    (graders / "test_02_users.py").unlink()
    (graders / "test_03_bad.py").write_text(
        "import pytest\n\n"
        "def test_unmarked(api):\n    pass\n\n"
        "@pytest.mark.stage('nope')\ndef test_unknown(api):\n    pass\n"
    )
    monkeypatch.setenv("LEARNPATH_CONTENT", str(content))
    diags = discovery.check_graders(exercises.get("mini-api"))
    text = [f"{Path(d.file).name}:{d.line}: {d.message}" for d in diags]
    assert any("test_03_bad.py:3: test 'test_unmarked' has no" in t for t in text)
    assert any("test_03_bad.py:6: unknown stage 'nope'" in t for t in text)
    assert any(t.startswith("exercise.yaml:") and "stage 'users' has no grader" in t for t in text)
    assert any("stage 'lookup' has no grader" in t for t in text)


def test_validate_all_includes_grader_checks(tmp_path):
    assert discovery.validate_all(CONTENT / "exercises") == []


def test_scaffold_never_writes_outside_dest(tmp_path):
    with pytest.raises(LearnpathError, match="outside"):
        scaffold._inside(tmp_path.resolve(), Path("../evil.txt"))
    dest = tmp_path / "proj"
    dest.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (dest / "server.py").symlink_to(tmp_path / "elsewhere" / "server.py")
    ex = exercises.get("mini-api")
    with pytest.raises(LearnpathError, match=r"outside|symlink"):
        scaffold.start(ex, dest, force=True)
    assert not (tmp_path / "elsewhere" / "server.py").exists()


def test_watch_regrades_on_change(tmp_path):
    (tmp_path / "server.py").write_text("v1")
    calls: list[float] = []
    done = threading.Event()

    def grade_once():
        calls.append(time.monotonic())

    def run():
        watch.watch(tmp_path, grade_once, lambda m: None, max_rounds=2)
        done.set()

    threading.Thread(target=run, daemon=True).start()
    deadline = time.monotonic() + 120  # polls until it happens; a bound, not a speed test
    while len(calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
        (tmp_path / "server.py").write_text(f"v{time.monotonic()}")
    assert len(calls) >= 2
    assert not watch.relevant("x/node_modules/a.js") and not watch.relevant("app.db")
    assert watch.relevant("app/main.py") and watch.relevant("queries/01_top.sql")
    # what `grade --keep` writes while grading never starts another grade
    assert not watch.relevant("proj/.learnpath-kept/shop_1.sql")


def test_backend_logs_since_a_mark(tmp_path):
    from learnpath.grading.process import Backend

    backend = Backend(tmp_path, "true")
    for i in range(5):
        backend._lines.append(f"line {i}")
        backend.total_lines += 1
    mark = backend.total_lines
    assert backend.logs(30, since=mark) == []
    backend._lines.append("line 5")
    backend.total_lines += 1
    assert backend.logs(30, since=mark) == ["line 5"]
    assert backend.logs(2) == ["line 4", "line 5"]
