"""What a graded server gets each run (fresh database path, fresh secrets) and what --url skips.

Real CLI, real servers: a copy of the fixture exercise gains a secret, a route that reports what
the server was given, and checks that need a server learnpath started itself.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from learnpath.grading.process import Backend

from .conftest import BIN, FIXTURES

pytestmark = pytest.mark.slow

ENV_ROUTE = """
        if self.path == "/env-check":
            secret = os.environ.get("MINI_SECRET", "")
            return self.send_json(200, {
                "secret_sha256": hashlib.sha256(secret.encode()).hexdigest(),
                "database_path": os.environ.get("DATABASE_PATH"),
            })
"""

ENV_GRADER = """
import hashlib
from pathlib import Path

import pytest

from learnpath.grading.checks import expect, expect_json


@pytest.mark.stage("health")
def test_server_gets_a_fresh_database_and_the_secret(api, server):
    server.require_started("the environment is only known for a server learnpath starts")
    seen = expect_json(api.get("/env-check"))
    secret = server.env["MINI_SECRET"]
    expect(len(secret) >= 32, f"secret too short: {secret!r}")
    expect(
        seen["secret_sha256"] == hashlib.sha256(secret.encode()).hexdigest(),
        "the server did not get the secret the graders see",
    )
    expect(seen["database_path"] == str(server.database_path), f"database path {seen}")
    folder = Path(seen["database_path"]).parent
    expect(folder.is_dir() and not any(folder.iterdir()), f"{folder} is not a fresh folder")
    expect(not folder.is_relative_to(server.project_dir), "the database is in the project")
    print(f"SECRET={secret} DATABASE={seen['database_path']}")


@pytest.mark.stage("lookup")
def test_only_for_started_servers(server):
    server.require_started("this check restarts the server")
    server.restart()


@pytest.fixture
def broken_setup(api):
    api.get("/no-such-thing").raise_for_status()


@pytest.mark.stage("users")
def test_with_a_failing_fixture(broken_setup):
    pass
"""


@pytest.fixture
def content(tmp_path, monkeypatch) -> Path:
    """A copy of the fixture content whose mini-api declares a secret and has the checks above."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURES / "content", root)
    yaml_file = root / "exercises" / "mini-api" / "exercise.yaml"
    text = yaml_file.read_text(encoding="utf-8")
    yaml_file.write_text(text.replace("stacks:\n", "secrets: [MINI_SECRET]\nstacks:\n", 1))
    (root / "graders" / "mini-api" / "test_03_env.py").write_text(ENV_GRADER)
    monkeypatch.setenv("LEARNPATH_CONTENT", str(root))
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return root


@pytest.fixture
def project(content, tmp_path) -> Path:
    dest = tmp_path / "project"
    shutil.copytree(content / "exercises" / "mini-api" / "solutions" / "python", dest)
    server = dest / "server.py"
    code = server.read_text(encoding="utf-8")
    code = code.replace("import json\n", "import hashlib\nimport json\n", 1)
    code = code.replace("    def do_GET(self):\n", "    def do_GET(self):" + ENV_ROUTE, 1)
    server.write_text(code, encoding="utf-8")
    return dest


def _grade(cli, project: Path, *args: str) -> dict:
    result = cli("learnpath", "grade", str(project), "--json", *args, timeout=180)
    assert result.stdout.strip(), result.stderr
    return json.loads(result.stdout)


def _test(doc: dict, name: str) -> dict:
    return next(t for t in doc["tests"] if t["name"] == name)


def test_each_run_gets_a_fresh_database_path_and_fresh_secrets(cli, project):
    seen = []
    for _ in range(2):
        doc = _grade(cli, project, "--stage", "health")
        check = _test(doc, "test_server_gets_a_fresh_database_and_the_secret")
        assert check["status"] == "pass", check
        output = _grade_output(check)
        seen.append(output)
        database = Path(output["DATABASE"])
        assert not database.parent.exists(), "the run's scratch folder was not removed"
    assert seen[0]["SECRET"] != seen[1]["SECRET"]
    assert seen[0]["DATABASE"] != seen[1]["DATABASE"]
    assert not list(project.glob("*.db")), "nothing is written into the learner's folder"


def _grade_output(check: dict) -> dict[str, str]:
    """The ``SECRET=… DATABASE=…`` line the check printed (results.json keeps its output)."""
    return dict(part.split("=", 1) for part in (check.get("output") or "").split() if "=" in part)


def test_url_mode_skips_what_needs_a_started_server(cli, project):
    with Backend(project, "python server.py") as backend:
        backend.start()
        doc = _grade(cli, project, "--url", backend.url, "--stage", "lookup")
        skipped = _test(doc, "test_only_for_started_servers")
        assert skipped["status"] == "skip"
        assert skipped["message"] == "not checked with --url: this check restarts the server"
        lookup = doc["stages"][0]
        assert lookup["stage"] == "lookup" and lookup["status"] == "pass", lookup
        assert doc["status"] == "pass"

        doc = _grade(cli, project, "--url", backend.url, "--stage", "health")
        assert _test(doc, "test_server_gets_a_fresh_database_and_the_secret")["status"] == "skip"
        assert doc["stages"][0]["status"] == "pass"  # the other health check ran and passed
        assert backend.proc is not None and backend.proc.poll() is None


def test_a_stage_with_only_skipped_checks_is_skip_not_fail(cli, project, content):
    grader = content / "graders" / "mini-api" / "test_02_users.py"
    grader.write_text(grader.read_text(encoding="utf-8").replace('"lookup"', '"users"'))
    with Backend(project, "python server.py") as backend:
        backend.start()
        doc = _grade(cli, project, "--url", backend.url, "--stage", "lookup")
    (stage,) = doc["stages"]
    assert stage["status"] == "skip" and "restarts the server" in stage["message"]
    assert doc["status"] == "error" and "nothing could be checked" in doc["message"]


def test_a_failing_fixture_is_reported_as_setup(cli, project):
    doc = _grade(cli, project, "--stage", "users")
    check = _test(doc, "test_with_a_failing_fixture")
    assert check["status"] in ("fail", "error")
    assert check["message"].startswith("setup: "), check["message"]
