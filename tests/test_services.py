"""Services a run starts: a real throwaway PostgreSQL, the payment provider fake; grading and
``learnpath run`` with them; nothing left running or on disk afterwards, however a run ends."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from learnpath.content import exercises
from learnpath.grading.process import port_is_free
from learnpath.services import base, payments, postgres
from learnpath.services.base import ServiceError
from learnpath.services.registry import start_all

from .conftest import BIN, FIXTURES

CONTENT = FIXTURES / "services"
PG_SOLUTION = CONTENT / "exercises" / "pg-api" / "solutions" / "python"
SHOP_SOLUTION = CONTENT / "exercises" / "shop-api" / "solutions" / "python"
APP = "http://127.0.0.1:9"  # the learner's server in tests that start no server
BOUND = 60  # seconds; far above what a busy machine needs, far below "hangs"

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.delenv(postgres.URL_ENV, raising=False)
    monkeypatch.setenv("LEARNPATH_CONTENT", str(CONTENT))
    # `python` in run commands must be the test interpreter's (it has psycopg)
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")


def require_postgres() -> Path:
    """PostgreSQL's server programs; skip without them, except in CI where they must exist."""
    found = postgres.find_bin_dir()
    if found is None:
        if os.environ.get("LEARNPATH_REQUIRE_ALL"):
            pytest.fail("PostgreSQL (initdb, postgres) is required in CI but is not installed")
        pytest.skip("PostgreSQL's server programs (initdb, postgres) are not installed")
    return found


def require_payments_fake() -> None:
    try:
        import learnpath.fakes.payments  # noqa: F401
    except ImportError:
        if os.environ.get("LEARNPATH_REQUIRE_ALL"):
            pytest.fail("learnpath.fakes.payments is missing")
        pytest.skip("the payment provider fake (learnpath.fakes.payments) is not there yet")


def all_service_dirs() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob(f"{base.TEMP_PREFIX}*")}


def service_dirs() -> set[str]:
    """Service folders of this process or of one that is gone (left behind): not those of
    other live processes, which may be grading at the same time."""
    found = set()
    for name in all_service_dirs():
        pid = int(name.removeprefix(base.TEMP_PREFIX).split("-", 1)[0])
        if pid == os.getpid() or not Path(f"/proc/{pid}").exists():
            found.add(name)
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (zombies count as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_gone(pid: int, bound: float = BOUND) -> bool:
    deadline = time.monotonic() + bound
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


def postmaster_of(url: str) -> int:
    with psycopg.connect(url) as conn:
        # the backend's parent is the postmaster; read it while the connection (and so the
        # backend process) still exists
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        stat = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
    return int(stat[1])


def uid_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid line for {pid}")


# -- PostgreSQL --------------------------------------------------------------------------------


def test_postgres_is_a_real_server_and_leaves_nothing_behind():
    require_postgres()
    before = service_dirs()
    with start_all(["postgres"], app_url=APP) as running:
        url = running.env["DATABASE_URL"]
        assert url.startswith("postgresql://learnpath@127.0.0.1:") and url.endswith("/app")
        assert running.info["postgres"]["dsn"] == url
        with psycopg.connect(url) as conn:
            conn.execute("CREATE TABLE t (id serial PRIMARY KEY, name text)")
            conn.execute("INSERT INTO t (name) VALUES ('a'), ('b')")
            assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 2
            assert conn.execute("SHOW fsync").fetchone()[0] == "off"
            assert conn.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
            assert conn.execute("SELECT current_database()").fetchone()[0] == "app"
        pid = postmaster_of(url)
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        if os.geteuid() == 0:  # PostgreSQL refuses root: it runs as an unprivileged user
            assert uid_of(pid) != 0
        assert service_dirs() - before
    assert not alive(pid), "the postmaster outlived the block"
    assert service_dirs() <= before
    assert port_is_free(port)


def test_an_exception_in_the_block_still_tears_everything_down():
    require_postgres()
    before = service_dirs()
    with pytest.raises(RuntimeError, match="boom"), start_all(["postgres"], app_url=APP) as r:
        pid = postmaster_of(r.env["DATABASE_URL"])
        raise RuntimeError("boom")
    assert not alive(pid)
    assert service_dirs() <= before


def test_ctrl_c_while_a_later_service_starts_stops_the_earlier_ones(monkeypatch):
    require_postgres()
    before = service_dirs()
    seen: dict[str, int] = {}
    original = postgres.Postgres.start

    def remember(self):
        started = original(self)
        seen["pid"] = postmaster_of(started.env["DATABASE_URL"])
        return started

    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(postgres.Postgres, "start", remember)
    monkeypatch.setattr(payments.Payments, "start", interrupted)
    with pytest.raises(KeyboardInterrupt), start_all(["postgres", "payments"], app_url=APP):
        pytest.fail("the block must not run")
    assert not alive(seen["pid"])
    assert service_dirs() <= before


def test_a_sigkilled_learnpath_takes_its_postgres_along_and_its_folder_is_swept():
    require_postgres()
    code = textwrap.dedent(
        """
        import time
        from learnpath.services.registry import start_all
        from learnpath.services import postgres
        with start_all(["postgres"], app_url="http://127.0.0.1:9") as r:
            print(r.env["DATABASE_URL"], flush=True)
            time.sleep(300)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        pid = postmaster_of(url)
        left = {d for d in all_service_dirs() if d.startswith(f"{base.TEMP_PREFIX}{proc.pid}-")}
        assert left
    finally:
        proc.kill()
        proc.wait(timeout=BOUND)
    assert wait_gone(pid), "the postmaster survived learnpath's SIGKILL"
    base.sweep_stale()
    assert not left & all_service_dirs()


def test_learnpath_postgres_url_gets_its_own_database_dropped_after(monkeypatch):
    require_postgres()
    with start_all(["postgres"], app_url=APP) as outer:
        admin = outer.env["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
        monkeypatch.setenv(postgres.URL_ENV, admin)
        before = service_dirs()
        with start_all(["postgres"], app_url=APP) as inner:
            url = inner.env["DATABASE_URL"]
            assert url.rsplit("/", 1)[0] == admin.rsplit("/", 1)[0]  # same server
            database = url.rsplit("/", 1)[1]
            assert database.startswith("learnpath_")
            with psycopg.connect(url) as conn:
                conn.execute("CREATE TABLE t (id int)")
            assert service_dirs() <= before  # no server of its own
            held = psycopg.connect(url)  # an open connection does not keep it alive
        with psycopg.connect(admin) as conn:
            names = [r[0] for r in conn.execute("SELECT datname FROM pg_database").fetchall()]
        held.close()
        assert database not in names


def test_a_bad_learnpath_postgres_url_is_one_clear_line(monkeypatch):
    monkeypatch.setenv(postgres.URL_ENV, "postgresql://nobody@127.0.0.1:1/postgres")
    with pytest.raises(ServiceError) as err, start_all(["postgres"], app_url=APP):
        pass
    message = str(err.value)
    assert "could not create a database" in message and postgres.URL_ENV in message
    assert "\n" not in message


def test_missing_postgres_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(postgres.shutil, "which", lambda name: None)
    monkeypatch.setattr(postgres, "SEARCH_GLOBS", ())
    before = service_dirs()
    with pytest.raises(ServiceError) as err, start_all(["postgres"], app_url=APP):
        pass
    message = str(err.value)
    assert "sudo apt install postgresql" in message
    assert "brew install postgresql@16" in message
    assert postgres.URL_ENV in message and "\n" not in message
    assert service_dirs() <= before


# -- the payment provider ----------------------------------------------------------------------

STAND_IN = """
import http.server, json, sys
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
with open(args["--api-key"] + ".argv", "w") as f:  # in its working folder
    f.write(json.dumps(sys.argv[1:]))
handler = http.server.BaseHTTPRequestHandler  # answers 501 to everything
server = http.server.HTTPServer(("127.0.0.1", int(args["--port"])), handler)
print("starting", flush=True)
print("ready http://127.0.0.1:%d" % server.server_address[1], flush=True)
server.serve_forever()
"""


def _stand_in(monkeypatch, script: Path) -> None:
    """Run ``script`` with the fake's own arguments instead of the fake."""
    from learnpath.fakes.payments import process

    real = process.command_line

    def command_line(*args, **kwargs):
        cmd = real(*args, **kwargs)
        assert cmd[1:3] == ["-m", "learnpath.fakes.payments"]
        return [sys.executable, str(script), *cmd[3:]]

    monkeypatch.setattr(process, "command_line", command_line)


def test_payments_starts_on_the_agreed_command_line(monkeypatch, tmp_path):
    script = tmp_path / "stand_in.py"
    script.write_text(STAND_IN)
    _stand_in(monkeypatch, script)
    before = service_dirs()
    opts = {"payments": {"webhook_path": "/hooks/pay"}}
    with start_all(["payments"], app_url="http://127.0.0.1:4321", options=opts) as running:
        env, info = running.env, running.info["payments"]
        assert set(env) == {"PAYMENTS_URL", "PAYMENTS_API_KEY", "PAYMENTS_WEBHOOK_SECRET"}
        assert env["PAYMENTS_URL"] == info["url"]
        assert info["webhook_url"] == "http://127.0.0.1:4321/hooks/pay"
        assert info["control_token"] and info["control_token"] != env["PAYMENTS_API_KEY"]
        folder = next(Path(tempfile.gettempdir()).glob(f"{base.TEMP_PREFIX}{os.getpid()}-pay*"))
        argv = (folder / (env["PAYMENTS_API_KEY"] + ".argv")).read_text()
        assert '"--webhook-url", "http://127.0.0.1:4321/hooks/pay"' in argv
        assert httpx.get(env["PAYMENTS_URL"], trust_env=False).status_code == 501
        port = int(env["PAYMENTS_URL"].rsplit(":", 1)[1])
    assert port_is_free(port)
    assert service_dirs() <= before


def test_payments_that_never_gets_ready_is_one_clear_line(monkeypatch, tmp_path):
    script = tmp_path / "crash.py"
    script.write_text("import sys; print('no such option'); sys.exit(3)\n")
    _stand_in(monkeypatch, script)
    crashed = pytest.raises(ServiceError, match=r"exited with code 3 .*no such option")
    with crashed, start_all(["payments"], app_url=APP):
        pass


def test_the_real_payment_fake_answers():
    require_payments_fake()
    with start_all(["payments"], app_url=APP) as running:
        url, key = running.env["PAYMENTS_URL"], running.env["PAYMENTS_API_KEY"]
        created = httpx.post(
            f"{url}/v1/payment_intents",
            json={"amount": 1000, "currency": "eur"},
            headers={"Authorization": f"Bearer {key}"},
            trust_env=False,
        )
        assert created.status_code == 200, created.text
        assert created.json()["amount"] == 1000
        port = int(url.rsplit(":", 1)[1])
    assert port_is_free(port)


# -- exercise definitions ----------------------------------------------------------------------


def test_unknown_services_and_options_are_positioned_errors(tmp_path):
    folder = tmp_path / "exercises" / "svc"
    shutil.copytree(CONTENT / "exercises" / "shop-api", folder)
    text = (folder / "exercise.yaml").read_text()
    text = text.replace("id: shop-api", "id: svc")
    text = text.replace("services: [postgres, payments]", "services: [postgres, postgress]")
    text = text.replace("{webhook_path: /hooks/pay}", "{webhook_pth: hooks}")
    (folder / "exercise.yaml").write_text(text)
    _, diags = exercises.load_checked(tmp_path / "exercises")
    lines = text.splitlines()
    got = {d.message: (d.line, d.col) for d in diags}
    unknown = next(m for m in got if "unknown service 'postgress'" in m)
    assert "did you mean 'postgres'?" in unknown
    line = next(i for i, x in enumerate(lines, 1) if x.startswith("services:"))
    assert got[unknown] == (line, lines[line - 1].index("postgress") + 1)
    assert any("options for 'payments', which is not in 'services'" in m for m in got)


def test_service_options_are_checked_against_the_service(tmp_path):
    folder = tmp_path / "exercises" / "svc"
    shutil.copytree(CONTENT / "exercises" / "shop-api", folder)
    text = (folder / "exercise.yaml").read_text().replace("id: shop-api", "id: svc")
    (folder / "exercise.yaml").write_text(text.replace("webhook_path: /hooks/pay", "port: '1'"))
    _, diags = exercises.load_checked(tmp_path / "exercises")
    assert [d.message for d in diags] == [
        "unknown option 'port' for service 'payments' (options: webhook_path)"
    ]
    (folder / "exercise.yaml").write_text(text.replace("/hooks/pay", "hooks/pay"))
    _, diags = exercises.load_checked(tmp_path / "exercises")
    assert [d.message for d in diags] == ["'webhook_path' must start with /"]


# -- grading and `learnpath run` ---------------------------------------------------------------


def _copy(solution: Path, tmp_path: Path) -> Path:
    dest = tmp_path / solution.parent.parent.name
    shutil.copytree(solution, dest)
    return dest


def test_grading_gives_the_server_a_database_the_grader_can_query(cli, tmp_path):
    require_postgres()
    project = _copy(PG_SOLUTION, tmp_path)
    before = service_dirs()
    result = cli("learnpath", "grade", str(project), timeout=2 * BOUND)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert service_dirs() <= before


def test_grading_fails_when_the_notes_are_not_in_the_database(cli, tmp_path):
    require_postgres()
    project = _copy(PG_SOLUTION, tmp_path)
    server = project / "server.py"
    # Keeps the notes in another table: only the grader's own SQL can notice.
    server.write_text(server.read_text().replace("notes", "memos").replace('"/memos"', '"/notes"'))
    result = cli("learnpath", "grade", str(project), timeout=2 * BOUND)
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'relation "notes" does not exist' in result.stdout


def test_grading_with_both_services(cli, tmp_path):
    require_postgres()
    require_payments_fake()
    project = _copy(SHOP_SOLUTION, tmp_path)
    result = cli("learnpath", "grade", str(project), timeout=2 * BOUND)
    assert result.returncode == 0, result.stdout + result.stderr


def test_grading_with_url_skips_checks_that_need_services(cli, tmp_path):
    project = _copy(SHOP_SOLUTION, tmp_path)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "server.py"],
        cwd=project,
        env={**os.environ, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/")
        result = cli("learnpath", "grade", str(project), "--url", f"http://127.0.0.1:{port}")
    finally:
        server.terminate()
        server.wait(timeout=BOUND)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "not checked with --url: needs the payments service" in result.stdout + result.stderr


def _free_port() -> int:
    from learnpath.grading.process import free_port

    return free_port()


def _wait_http(url: str) -> None:
    deadline = time.monotonic() + BOUND
    while True:
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, trust_env=False, timeout=2)
            return
        assert time.monotonic() < deadline, f"nothing answered at {url}"
        time.sleep(0.05)


def test_run_serves_with_the_grading_environment_and_ctrl_c_stops_everything(tmp_path):
    require_postgres()
    project = _copy(PG_SOLUTION, tmp_path)
    before = service_dirs()
    exe = BIN / "learnpath"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "learnpath"]
    proc = subprocess.Popen(
        [*cmd, "run", str(project)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if "your server answers at" in line:
                break
        out = "\n".join(lines)
        assert "your server answers at" in out, out
        env = dict(x.strip().split("=", 1) for x in lines if x.startswith("  ") and "=" in x)
        url = f"http://127.0.0.1:{env['PORT']}"
        assert env["DATABASE_URL"].startswith("postgresql://")
        created = httpx.post(f"{url}/notes", json={"text": "hello"}, trust_env=False)
        assert created.status_code == 201
        with psycopg.connect(env["DATABASE_URL"]) as conn:
            assert conn.execute("SELECT text FROM notes").fetchall() == [("hello",)]
        pid = postmaster_of(env["DATABASE_URL"])
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=BOUND)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, rest
    assert '"POST /notes HTTP/1.1" 201' in rest  # the server's own output is streamed
    assert "stopped: your server and the services are gone" in rest
    assert not alive(pid)
    assert port_is_free(int(env["PORT"]))
    assert service_dirs() <= before


def test_run_without_postgres_is_one_line(cli, tmp_path):
    project = _copy(PG_SOLUTION, tmp_path)
    # The real CLI in a process where no PostgreSQL can be found.
    code = (
        "import sys; from learnpath.services import postgres; postgres.SEARCH_GLOBS = (); "
        "postgres.shutil.which = lambda name: None; from learnpath.cli import main; "
        f"sys.argv = ['learnpath', 'run', {str(project)!r}]; main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=BOUND
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "sudo apt install postgresql" in result.stderr


def test_the_grading_database_runs_in_a_zone_whose_date_is_not_the_utc_date():
    import datetime as dt

    for hour in range(24):
        now = dt.datetime(2026, 11, 29, hour, 30, tzinfo=dt.UTC)
        local = now.astimezone(__import__("zoneinfo").ZoneInfo(postgres.far_timezone(now)))
        assert local.date() != now.date(), (hour, postgres.far_timezone(now))
