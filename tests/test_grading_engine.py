"""The grading engine end to end: the real CLI, real servers on 127.0.0.1, the fixture exercise."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from learnpath.content import exercises
from learnpath.grading.process import Backend, group_alive, port_is_free

from .conftest import BIN, FIXTURES

CONTENT = FIXTURES / "content"
FAULTS = FIXTURES / "faults"
SOLUTION = CONTENT / "exercises" / "mini-api" / "solutions" / "python"

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _content(monkeypatch):
    monkeypatch.setenv("LEARNPATH_CONTENT", str(CONTENT))
    # `python` in run commands must be the test interpreter's
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.fixture
def solution(tmp_path) -> Path:
    dest = tmp_path / "solution"
    shutil.copytree(SOLUTION, dest)
    return dest


def fault_project(tmp_path: Path, fault: str) -> tuple[Path, str]:
    """A project whose run command is a fault server, tagged so its processes can be found."""
    marker = uuid.uuid4().hex
    proj = tmp_path / f"proj-{fault}"
    proj.mkdir()
    run = f"python {FAULTS / fault}.py --marker={marker}" if fault else ""
    (proj / "learnpath.yml").write_text(f"exercise: mini-api\nrun: {run}\n")
    return proj, marker


def processes_with(marker: str) -> list[int]:
    """Live (non-zombie) processes whose command line holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in cmd and state != "Z":
            found.append(int(entry.name))
    return found


def port_of(stdout: str) -> int:
    line = next(x for x in stdout.splitlines() if "starting your server on port" in x)
    return int(line.split("on port ")[1].split(":")[0])


def assert_clean(result: subprocess.CompletedProcess, marker: str) -> None:
    assert "Traceback" not in result.stderr
    assert not any(
        "Traceback" in line and not line.startswith("[your_program]")
        for line in result.stdout.splitlines()
    )
    assert processes_with(marker) == []
    assert port_is_free(port_of(result.stdout))


# Time bounds in these tests prove that something was cut off rather than waited out (a fault
# that sleeps for an hour, a 60 s request timeout), so they sit far above what a busy machine
# needs and far below what they guard against.
NOT_WAITED_OUT = 120


def grade(cli, proj: Path, *args: str, timeout: float = 2 * NOT_WAITED_OUT):
    t0 = time.monotonic()
    result = cli("learnpath", "grade", str(proj), *args, timeout=timeout)
    return result, time.monotonic() - t0


# -- the reference, the starter, the report ----------------------------------------------------


def test_reference_passes_every_stage_with_v3_report_and_junit(cli, solution, tmp_path):
    junit = tmp_path / "junit.xml"
    result, _ = grade(cli, solution, "--all", "--json", "--junit", str(junit))
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["version"] == 3 and doc["status"] == "pass" and doc["exercise"] == "mini-api"
    assert [s["stage"] for s in doc["stages"]] == ["health", "users", "lookup"]
    assert all(s["status"] == "pass" for s in doc["stages"])
    names = [t["name"] for t in doc["tests"]]
    # file order, not run order; every test carries what Exercism v3 asks for
    assert names == [
        "test_health_answers_ok",
        "test_register",
        "test_duplicate_username",
        "test_lookup",
        "test_lookup_unknown",
    ]
    for t in doc["tests"]:
        assert {"name", "status", "message", "output", "test_code", "task_id"} <= set(t)
        assert t["test_code"].startswith("@pytest.mark.stage")
    assert [t["task_id"] for t in doc["tests"]] == [1, 2, 2, 3, 3]
    suites = ET.parse(junit).getroot()
    assert suites.get("tests") == "5" and suites.get("failures") == "0"
    # nothing was written into the learner's folder but the instructions of unlocked stages
    assert sorted(p.name for p in solution.iterdir()) == ["STAGES.md", "learnpath.yml", "server.py"]


def test_start_scaffolds_a_starter_that_fails_stage_one_helpfully(cli, tmp_path):
    dest = tmp_path / "mine"
    made = cli("learnpath", "start", "mini-api", str(dest))
    assert made.returncode == 0, made.stderr
    assert "Next steps" in made.stdout and "learnpath grade" in made.stdout
    assert sorted(p.name for p in dest.iterdir()) == ["README.md", "learnpath.yml", "server.py"]
    assert "## Stage 1: The server answers" in (dest / "README.md").read_text()
    assert "run: python server.py" in (dest / "learnpath.yml").read_text()
    result, _ = grade(cli, dest)
    assert result.returncode == 1
    out = result.stdout
    assert "[tester::#health]" in out
    assert "expected status 200 for GET /health, got 501" in out
    assert "curl -i http://127.0.0.1:" in out
    # the server output written during the failing check: its own log of the request
    assert re.search(r"\[your_program\] .*\"GET /health HTTP/1.1\" 501", out), out
    assert "[your_program] listening on" not in out  # older lines are not repeated
    assert "learnpath hint --stage health" in out


def test_start_refuses_non_empty_dir_unless_force(cli, tmp_path):
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    refused = cli("learnpath", "start", "mini-api", str(dest))
    assert refused.returncode == 2 and "not empty" in refused.stderr
    assert not (dest / "server.py").exists()
    forced = cli("learnpath", "start", "mini-api", str(dest), "--force")
    assert forced.returncode == 0
    assert (dest / "server.py").exists() and (dest / "notes.txt").read_text() == "mine"
    unknown = cli("learnpath", "start", "mini-api", str(tmp_path / "x"), "--stack", "cobol")
    assert unknown.returncode == 2 and "no stack 'cobol'" in unknown.stderr


def test_start_refuses_a_template_with_a_symlink(cli, tmp_path, monkeypatch):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    secret = tmp_path / "secret.txt"
    secret.write_text("do not copy")
    (content / "exercises/mini-api/starters/python/link.txt").symlink_to(secret)
    monkeypatch.setenv("LEARNPATH_CONTENT", str(content))
    dest = tmp_path / "out"
    result = cli("learnpath", "start", "mini-api", str(dest))
    assert result.returncode == 1 and "symlink" in result.stderr
    assert not dest.exists() or not any(dest.iterdir())


# -- stage order, progress ---------------------------------------------------------------------


def test_current_stage_first_then_earlier_stages_and_progress_advances(cli, solution):
    from learnpath import store
    from learnpath.grading import session
    from learnpath.progress import projects
    from learnpath.progress.repository import Repository

    ex = exercises.get("mini-api")
    first, _ = grade(cli, solution, "--json")
    assert [s["stage"] for s in json.loads(first.stdout)["stages"]] == ["health"]
    assert session.current_stage(ex, solution) == "users"
    second, _ = grade(cli, solution, "--json")
    assert [s["stage"] for s in json.loads(second.stdout)["stages"]] == ["users", "health"]
    assert session.current_stage(ex, solution) == "lookup"
    state = projects.exercise_state(Repository(store.reader()), "mini-api")
    assert state["attempts"] == 2 and state["passed_stages"] == ["health", "users"]


def test_passing_the_last_stage_alone_never_completes_the_exercise(cli, solution):
    # What is next is decided from every stage the project passed, not from one --stage run.
    only_last, _ = grade(cli, solution, "--stage", "lookup")
    assert only_last.returncode == 0, only_last.stderr
    assert "You have completed" not in only_last.stdout
    assert "Next: stage 1" in only_last.stdout
    everything, _ = grade(cli, solution, "--all")
    assert everything.returncode == 0, everything.stderr
    assert "You have completed" in everything.stdout


def test_stops_at_the_first_failing_stage(cli, solution):
    from learnpath import store
    from learnpath.progress import projects
    from learnpath.progress.repository import Repository

    now = time.time()
    projects.record_attempt(
        Repository(store.writer()),
        "mini-api",
        stack="python",
        status="pass",
        started_at=now,
        finished_at=now,
        stages=[{"stage": "health", "status": "pass"}, {"stage": "users", "status": "pass"}],
    )
    server = solution / "server.py"
    server.write_text(server.read_text().replace('{"status": "ok"}', '{"status": "up"}'))
    result, _ = grade(cli, solution, "--json")
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    got = {s["stage"]: s["status"] for s in doc["stages"]}
    assert got == {"lookup": "pass", "health": "fail", "users": "skipped"}
    assert doc["status"] == "fail"
    assert "expected status to be 'ok', got 'up'" in doc["message"]


def test_stage_option_runs_one_stage_and_rejects_unknown(cli, solution):
    one, _ = grade(cli, solution, "--stage", "lookup", "--json")
    assert one.returncode == 0
    assert [s["stage"] for s in json.loads(one.stdout)["stages"]] == ["lookup"]
    bad, _ = grade(cli, solution, "--stage", "nope")
    assert bad.returncode == 2 and "unknown stage 'nope'" in bad.stderr


def test_url_mode_grades_a_running_server(cli, solution):
    with Backend(solution, "python server.py") as backend:
        backend.start()
        result, _ = grade(cli, solution, "--url", backend.url, "--all")
        assert result.returncode == 0, result.stdout + result.stderr
        assert backend.proc is not None and backend.proc.poll() is None  # not ours to stop


def test_url_mode_needs_no_run_command(cli, solution, tmp_path):
    proj = tmp_path / "no-run"
    proj.mkdir()
    (proj / "learnpath.yml").write_text("exercise: mini-api\n")
    with Backend(solution, "python server.py") as backend:
        backend.start()
        result, _ = grade(cli, proj, "--url", backend.url, "--all")
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_url_a_missing_run_command_says_what_to_add(cli, tmp_path):
    proj = tmp_path / "no-run"
    proj.mkdir()
    (proj / "learnpath.yml").write_text("exercise: mini-api\n")
    result, _ = grade(cli, proj)
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {proj / 'learnpath.yml'} has no 'run' command, so learnpath cannot start your "
        "server: add a line such as 'run: python server.py', or start it yourself and grade it "
        "with --url http://127.0.0.1:PORT\n"
    )


def test_project_file_errors_name_keys_as_the_learner_knows_them(cli, tmp_path):
    proj = tmp_path / "p"
    proj.mkdir()
    (proj / "learnpath.yml").write_text("stack: python\nrun: python server.py\n")
    result = cli("learnpath", "grade", ".", cwd=proj)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "learnpath.yml:1:1: error: missing required key 'exercise'"
    )


@pytest.mark.parametrize("suffix", ["/api", "/api/"])
def test_url_ending_in_api_is_refused_with_the_corrected_command(cli, tmp_path, suffix):
    proj = tmp_path / "p"
    proj.mkdir()
    (proj / "learnpath.yml").write_text("exercise: mini-api\n")
    result, _ = grade(cli, proj, "--url", f"http://127.0.0.1:8000{suffix}", "--all")
    assert result.returncode == 2
    assert result.stderr == (
        "error: --url is your server's address without /api (the grader requests "
        f"URL/api/...): run learnpath grade {proj} --url http://127.0.0.1:8000 --all\n"
    )
    assert "Traceback" not in result.stdout


def test_missing_project_file_is_a_usage_error(cli, tmp_path):
    result, _ = grade(cli, tmp_path)
    assert result.returncode == 2
    assert "no learnpath.yml" in result.stderr and "Traceback" not in result.stderr


# -- faults ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "code", "message"),
    [
        ("crash", 2, "exited with code 3 before it was ready"),
        ("never_ready", 2, "nothing listens on 127.0.0.1:"),
        ("hang", 1, "GET /health timed out after 1 s"),
        ("html_page", 1, "expected a JSON body for GET /health, got text/html"),
        ("huge", 1, "response body larger than 5 MB"),
        ("reset", 1, "closed or reset the connection"),
    ],
)
def test_faults_give_clear_failures_and_leave_nothing_running(cli, tmp_path, fault, code, message):
    proj, marker = fault_project(tmp_path, fault)
    result, elapsed = grade(
        cli, proj, "--stage", "health", "--timeout", "1", "--start-timeout", "2"
    )
    assert result.returncode == code, result.stdout + result.stderr
    assert message in result.stdout + result.stderr
    assert elapsed < NOT_WAITED_OUT  # the faults sleep or stream for far longer
    assert_clean(result, marker)
    if fault == "crash":
        assert "[your_program] ModuleNotFoundError" in result.stdout


RUN = r"\(started with: python \S+\.py --marker=\w+\)"


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (
            "never_ready",
            r"nothing listens on 127\.0\.0\.1:(\d+) after 2 s " + RUN + r"\. Your server must "
            r"listen on 127\.0\.0\.1 \(or 0\.0\.0\.0\) and the port in the PORT environment "
            r"variable \(\1\)",
        ),
        (
            "silent",
            r"your server accepted the connection on 127\.0\.0\.1:\d+ but sent no HTTP answer "
            r"to GET / within 2 s " + RUN + r"\. Is a handler blocked, or is the server still "
            r"busy starting\? \(--start-timeout gives it longer\)",
        ),
        (
            "reset_all",
            r"your server accepted the connection on 127\.0\.0\.1:\d+ but reset it without an "
            r"HTTP answer to GET / " + RUN,
        ),
        (
            "closes",
            r"your server accepted the connection on 127\.0\.0\.1:\d+ but closed it without an "
            r"HTTP answer to GET / " + RUN,
        ),
        (
            "not_http",
            r"your server on 127\.0\.0\.1:\d+ answered GET / with something that is not valid "
            r"HTTP: b'SSH-2\.0-OpenSSH_9\.6\\r\\n' " + RUN + r"\. Does PORT serve plain HTTP\?",
        ),
    ],
)
def test_start_up_failures_say_what_actually_happened(cli, tmp_path, fault, expected):
    proj, marker = fault_project(tmp_path, fault)
    result, _ = grade(cli, proj, "--stage", "health", "--timeout", "1", "--start-timeout", "2")
    assert result.returncode == 2, result.stdout + result.stderr
    assert re.fullmatch("error: could not grade: " + expected + "\n", result.stderr), result.stderr
    assert_clean(result, marker)


def test_readiness_ignores_proxy_settings(solution, monkeypatch):
    # A proxy that refuses everything: used, it would make a healthy server look dead.
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with Backend(solution, "python server.py", start_timeout=60) as backend:
        backend.start()
        assert backend.proc is not None and backend.proc.poll() is None


def test_command_not_found(cli, tmp_path):
    proj = tmp_path / "p"
    proj.mkdir()
    (proj / "learnpath.yml").write_text("exercise: mini-api\nrun: no-such-server-xyz\n")
    # Exit code 127 is reported at once, not after the start-up timeout.
    result, elapsed = grade(cli, proj, "--start-timeout", str(2 * NOT_WAITED_OUT))
    assert result.returncode == 2
    assert "the run command was not found: 'no-such-server-xyz'" in result.stderr
    assert "Traceback" not in result.stderr and elapsed < NOT_WAITED_OUT
    assert port_is_free(port_of(result.stdout))


def test_server_ignoring_sigterm_and_its_child_are_killed(cli, tmp_path):
    proj, marker = fault_project(tmp_path, "stubborn")
    result, elapsed = grade(cli, proj, "--stage", "health")
    assert result.returncode == 0, result.stdout + result.stderr
    assert elapsed < NOT_WAITED_OUT  # the 3 s SIGTERM grace, then SIGKILL: not a hang
    pids = [int(p) for p in (proj / "pids.txt").read_text().split()]
    for pid in pids:
        stat = Path(f"/proc/{pid}/stat")
        assert not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"
    assert_clean(result, marker)


def test_ctrl_c_tears_everything_down(tmp_path):
    proj, marker = fault_project(tmp_path, "hang")
    exe = BIN / "learnpath"
    proc = subprocess.Popen(
        [str(exe), "grade", str(proj), "--stage", "health", "--timeout", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group, like a terminal's foreground job
    )
    try:
        deadline = time.monotonic() + NOT_WAITED_OUT
        while not processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert processes_with(marker), "the backend never started"
        time.sleep(1.0)  # now inside the hung request
        t0 = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does
        _out, err = proc.communicate(timeout=NOT_WAITED_OUT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert time.monotonic() - t0 < 45  # not the 60 s request timeout
    assert proc.returncode in (2, 130)
    assert "Traceback" not in err
    assert processes_with(marker) == []
    assert not group_alive(proc.pid)


# -- hints, check ------------------------------------------------------------------------------


def test_hint_reveals_one_hint_at_a_time(cli, solution):
    first = cli("learnpath", "hint", str(solution))
    assert first.returncode == 0
    assert "Hint 1/2: Answer GET /health" in first.stdout and "Hint 2/2" not in first.stdout
    second = cli("learnpath", "hint", str(solution))
    assert "Hint 2/2" in second.stdout and "last hint" in second.stdout
    none = cli("learnpath", "hint", str(solution), "--stage", "lookup")
    assert "no hints" in none.stdout and "What the grader checks" in none.stdout


def test_check_proves_the_fixture_graders_honest(cli):
    result = cli("learnpath", "check", "mini-api", timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5/5 proofs hold" in result.stdout
    assert "mutant users-duplicate" in result.stdout
    table = result.stdout[result.stdout.index("stage   mutants  killed") :].splitlines()
    assert table[1:4] == [
        "health        1       1",
        "users         1       1",
        "lookup        1       1",
    ]


def test_check_json_counts_mutants_and_kills_per_stage(cli, tmp_path):
    mutants = tmp_path / "mutants"
    shutil.copytree(CONTENT / "exercises" / "mini-api" / "mutants", mutants)
    (mutants / "lookup-404.yaml").unlink()
    (mutants / "harmless.yaml").write_text(
        "stage: health\nsolution: python\ndescription: changes nothing that matters\n"
        "edits:\n  - file: server.py\n    find: 'LOCK = threading.Lock()'\n"
        "    replace: 'LOCK = threading.RLock()'\n"
    )
    result = cli("learnpath", "check", "mini-api", "--mutants", str(mutants), "--json", timeout=180)
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert doc["status"] == "fail"
    assert doc["stages"] == [
        {"stage": "health", "mutants": 2, "killed": 1},
        {"stage": "users", "mutants": 1, "killed": 1},
        {"stage": "lookup", "mutants": 0, "killed": 0},
    ]
    failed = {p["name"] for p in doc["proofs"] if not p["ok"]}
    assert failed == {"harmless", "(none for lookup)"}
    assert "4/6 proofs hold" in result.stderr  # the human report goes to stderr


def test_check_runs_python_proofs_in_a_venv_it_creates_and_removes(cli, tmp_path):
    mutants = tmp_path / "mutants"
    mutants.mkdir()
    (mutants / "prefix.yaml").write_text(
        "stage: health\nsolution: python\ndescription: reports the interpreter's prefix\n"
        'edits:\n  - file: server.py\n    find: \'{"status": "ok"}\'\n'
        '    replace: \'{"status": __import__("sys").prefix}\'\n'
    )
    result = cli("learnpath", "check", "mini-api", "--mutants", str(mutants), timeout=180)
    found = re.search(r"got '([^']*learnpath-check-envs-[^']*)'", result.stdout)
    assert found, result.stdout + result.stderr
    venv = Path(found.group(1))
    assert venv.name == "venv" and (venv.parent.parent.name.startswith("learnpath-check-envs-"))
    assert not venv.parent.parent.exists()  # removed when check finished


@pytest.mark.parametrize(
    ("install", "expected"),
    [
        ("python -c 'import sys; sys.exit(\"resolver: boom\")'", "failed (exit 1): resolver: boom"),
        ("no-such-installer --all", "'no-such-installer' is not on PATH"),
    ],
)
def test_check_reports_an_install_that_cannot_run(cli, tmp_path, monkeypatch, install, expected):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    config = content / "exercises/mini-api/solutions/python/learnpath.yml"
    config.write_text(config.read_text() + f"install: {json.dumps(install)}\n")
    monkeypatch.setenv("LEARNPATH_CONTENT", str(content))
    result = cli("learnpath", "check", "mini-api", timeout=180)
    assert result.returncode == 1
    line = next(ln for ln in result.stdout.splitlines() if "solution python" in ln)
    assert line.startswith("FAIL") and "setup: " in line and expected in line, result.stdout


def test_check_fails_on_a_mutant_that_survives(cli, tmp_path):
    mutants = tmp_path / "mutants"
    mutants.mkdir()
    (mutants / "harmless.yaml").write_text(
        "stage: health\nsolution: python\ndescription: changes nothing that matters\n"
        "edits:\n  - file: server.py\n    find: 'LOCK = threading.Lock()'\n"
        "    replace: 'LOCK = threading.RLock()'\n"
    )
    result = cli("learnpath", "check", "mini-api", "--mutants", str(mutants), timeout=180)
    assert result.returncode == 1
    assert "FAIL mutant harmless" in result.stdout and "every stage passed" in result.stdout
    assert "(none for users)" in result.stdout
    assert "users         0       0  <-" in result.stdout


def test_check_rejects_an_invalid_mutant(cli, tmp_path):
    mutants = tmp_path / "mutants"
    mutants.mkdir()
    (mutants / "bad.yaml").write_text(
        "stage: health\nsolution: python\ndescription: x\n"
        "edits:\n  - file: server.py\n    find: 'self'\n    replace: 'me'\n"
    )
    result = cli("learnpath", "check", "mini-api", "--mutants", str(mutants))
    assert result.returncode == 2
    assert "must occur exactly once" in result.stderr


def test_an_exercise_added_through_learnpath_path_is_graded_and_checked(cli, tmp_path):
    """An instructor's own exercise: ``exercises/<id>`` and ``graders/<id>`` in a folder listed
    in LEARNPATH_PATH, next to the built-in content (which stays available)."""
    entry = tmp_path / "mine"
    shutil.copytree(CONTENT / "exercises" / "mini-api", entry / "exercises" / "my-api")
    shutil.copytree(CONTENT / "graders" / "mini-api", entry / "graders" / "my-api")
    definition = entry / "exercises" / "my-api" / "exercise.yaml"
    definition.write_text(definition.read_text().replace("id: mini-api", "id: my-api"))
    env = {"LEARNPATH_PATH": str(entry)}
    listed = cli("learnpath", "check", "my-api", "--list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "users-duplicate" in listed.stdout
    result = cli("learnpath", "check", "my-api", env=env, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5/5 proofs hold for my-api" in result.stdout
    both = cli("learnpath", "check", "mini-api", "--list", env=env)
    assert both.returncode == 0, both.stderr  # the content folder's exercises are still there
