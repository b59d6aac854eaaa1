"""Exercises graded from files (``kind: files``): the engine grades SQL against fresh SQLite and
PostgreSQL databases, keeps them on request, and every failure reproduces from its message."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from learnpath.content import exercises
from learnpath.grading import runner
from learnpath.grading.checks import CheckFailure
from learnpath.grading.files import KEEP_FOLDER, ProjectFiles
from learnpath.grading.mutants import check_exercise
from learnpath.grading.scaffold import start
from learnpath.grading.sql import (
    Rows,
    expect_rows,
    inline,
    placeholders,
    strip_comments,
    to_pyformat,
)

from .conftest import FIXTURES
from .test_services import require_postgres

CONTENT = FIXTURES / "files"
SOLUTION = CONTENT / "exercises" / "mini-sql" / "solutions" / "sql"

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _content(monkeypatch):
    monkeypatch.setenv("LEARNPATH_CONTENT", str(CONTENT))
    monkeypatch.delenv("LEARNPATH_POSTGRES_URL", raising=False)


def _project(tmp_path: Path, *, solution: bool = True) -> Path:
    where = tmp_path / "project"
    start(exercises.get("mini-sql"), where, stack="sql")
    if solution:
        for f in SOLUTION.glob("*.sql"):
            shutil.copy(f, where / f.name)
    return where


# -- SQL text handling (no database) -------------------------------------------------------------


def test_placeholders_skip_casts_quotes_and_comments():
    sql = "SELECT :a::text, ':b', \"x:c\", $$ :d $$ -- :e\n, :f /* :g */ FROM t WHERE x = :a"
    assert placeholders(sql) == ["a", "f"]
    assert to_pyformat("SELECT :a::int, '100%' WHERE y LIKE 'x%'") == (
        "SELECT %(a)s::int, '100%%' WHERE y LIKE 'x%%'"
    )
    assert inline("SELECT :n, :s", {"n": 3, "s": "O'Brien"}) == "SELECT 3, 'O''Brien'"
    assert strip_comments("SELECT 1 -- one\n, '--kept' /* two */") == "SELECT 1 \n, '--kept' "


def test_expect_rows_says_what_is_missing_unexpected_and_out_of_order():
    got = Rows(["a", "b"], [(1, "x"), (2, "y"), (3, "z")])
    expect_rows(got, [(3, "z"), (1, "x"), (2, "y")], ordered=False, what="t")
    with pytest.raises(CheckFailure, match=r"missing \(4, 'w'\); not expected \(3, 'z'\)"):
        expect_rows(got, [(1, "x"), (2, "y"), (4, "w")], ordered=False, what="t")
    with pytest.raises(CheckFailure, match=r"wrong order: row 1 should be \(2, 'y'\)"):
        expect_rows(got, [(2, "y"), (1, "x"), (3, "z")], ordered=True, what="t")
    with pytest.raises(CheckFailure, match="expected 3 column"):
        expect_rows(got, [], ordered=False, what="t", columns=3)
    # numbers compare by value: Decimal, float and int alike
    import decimal

    expect_rows(
        Rows(["n"], [(decimal.Decimal("3.00"),), (2.5,)]), [(3,), (2.50,)], ordered=True, what="n"
    )


# -- grading ------------------------------------------------------------------------------------


def test_reference_passes_and_starter_fails_its_first_stage(tmp_path):
    require_postgres()
    result = runner.grade(_project(tmp_path), all_stages=True)
    assert result.status == "pass", result.message
    assert [s.status for s in result.stages] == ["pass", "pass"]
    # each parametrized check says on which engine it ran
    assert {t["description"] for t in result.tests} >= {
        "The same e-mail twice is refused [sqlite]",
        "The same e-mail twice is refused [postgres]",
    }
    starter = runner.grade(_project(tmp_path / "s", solution=False))
    assert starter.status == "fail"
    assert starter.stages[0].stage == "schema"
    assert "schema.sql holds no SQL statement yet" in starter.stages[0].message


def test_failure_names_file_engine_and_reproduces_from_the_kept_copy(tmp_path):
    require_postgres()
    if shutil.which("sqlite3") is None:
        if os.environ.get("LEARNPATH_REQUIRE_ALL"):
            pytest.fail("the sqlite3 shell is required in CI but is not installed")
        pytest.skip("the sqlite3 command-line shell is not installed")
    where = _project(tmp_path)
    (where / "report.sql").write_text(
        "-- lazy: no tie-break\nSELECT email, score FROM people ORDER BY score DESC, id DESC;\n"
    )
    result = runner.grade(where, stage="report", keep=True)
    assert result.status == "fail"
    failure = next(t for t in result.tests if t["status"] == "fail")
    message = failure["message"]
    assert "wrong order" in message and "report.sql ran on" in message
    kept = sorted(p.name for p in (where / KEEP_FOLDER).iterdir())
    assert any(k.endswith(".db") for k in kept) and any(k.endswith(".sql") for k in kept)
    sqlite_failure = next(
        t for t in result.tests if t["status"] == "fail" and "[sqlite]" in t["description"]
    )
    command = re.search(r"reproduce: (cp .*)$", sqlite_failure["message"]).group(1)
    # The command in the message runs as printed, in the project, and shows the wrong order.
    out = subprocess.run(
        ["bash", "-c", command], cwd=where, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 39 and lines[0].endswith("|30")


def test_kept_postgres_copy_loads_into_a_fresh_database(tmp_path):
    bindir = require_postgres()
    where = _project(tmp_path)
    result = runner.grade(where, stage="report", keep=True)
    assert result.status == "pass"
    dumps = sorted((where / KEEP_FOLDER).glob("*.sql"))
    assert dumps
    from learnpath.services.postgres import Cluster

    with Cluster("repro", durable=False) as cluster:
        env = {**os.environ, **cluster.env()}
        load = subprocess.run(
            [str(bindir / "psql"), "-v", "ON_ERROR_STOP=1", "-q", "-f", str(dumps[-1]),
             "-c", "SELECT count(*) FROM people"],
            capture_output=True, text=True, env=env, check=False, cwd=tmp_path,
        )  # fmt: skip
    assert load.returncode == 0, load.stderr
    assert "39" in load.stdout


def test_grade_url_is_refused_for_a_files_exercise(tmp_path):
    from learnpath.errors import UsageError

    with pytest.raises(UsageError, match="graded from your files"):
        runner.grade(_project(tmp_path), url="http://127.0.0.1:9")


def test_check_proves_the_fixture_mutants(tmp_path):
    require_postgres()
    items = check_exercise(exercises.get("mini-sql"))
    assert all(i.ok for i in items), [(i.name, i.detail) for i in items if not i.ok]
    assert {i.name for i in items if i.kind == "mutant"} == {
        "schema-no-unique",
        "report-no-tie-break",
    }


# -- the learner's programs and scripts ----------------------------------------------------------


def test_a_hanging_program_is_stopped_with_its_children(tmp_path):
    (tmp_path / "hang.sh").write_text("sleep 300 &\necho started\nsleep 300\n")
    project = ProjectFiles(tmp_path, {"run": "bash hang.sh"})
    with pytest.raises(CheckFailure, match=r"did not finish within 0.5 s.*started"):
        project.run([], timeout=0.5)
    left = subprocess.run(["pgrep", "-f", "sleep 300"], capture_output=True, text=True)
    mine = [p for p in left.stdout.split() if _cwd_is(p, tmp_path)]
    assert mine == []


def _cwd_is(pid: str, folder: Path) -> bool:
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd")) == folder
    except OSError:
        return False


def test_program_output_and_json(tmp_path):
    (tmp_path / "prog.py").write_text(
        "import json, sys\nprint('noise')\nprint(json.dumps({'args': sys.argv[1:]}))\n"
    )
    project = ProjectFiles(tmp_path, {"run": f"{shlex.quote(os.sys.executable)} prog.py"})
    ran = project.run(["a b", "c"])
    assert ran.code == 0 and ran.json() == {"args": ["a b", "c"]}
    (tmp_path / "bad.py").write_text("print('not json')\n")
    project = ProjectFiles(tmp_path, {"run": f"{shlex.quote(os.sys.executable)} bad.py"})
    with pytest.raises(CheckFailure, match="print one JSON line last"):
        project.run([]).json()
    with pytest.raises(CheckFailure, match=r"expected the file missing\.sql"):
        ProjectFiles(tmp_path, {}).sql("missing.sql")


def test_script_runs_as_the_clusters_user_from_a_private_folder(tmp_path):
    require_postgres()
    from learnpath.services.postgres import Cluster

    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    (private / "who.sh").write_text('psql -Atc "SELECT current_user"; touch "$OUT/made"\n')
    with Cluster("scripts", durable=False) as cluster:
        out = cluster.make_dir("out")
        ran = ProjectFiles(private, {}).script(
            "who.sh", env={**cluster.env(), "OUT": str(out)}, user=cluster.user
        )
        assert ran.code == 0, ran.tail()
        assert ran.stdout.strip() == "learnpath"
        assert (out / "made").exists()


# -- definitions and the other commands ----------------------------------------------------------


def test_a_server_exercise_still_needs_run_and_a_files_one_does_not(tmp_path, monkeypatch):
    from learnpath.errors import ContentError

    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    monkeypatch.setenv("LEARNPATH_CONTENT", str(root))
    assert exercises.get("mini-sql").stacks["sql"].run is None
    definition = root / "exercises" / "mini-sql" / "exercise.yaml"
    definition.write_text(definition.read_text().replace("kind: files\n", ""))
    with pytest.raises(ContentError) as caught:
        exercises.load_all()
    assert [d.message for d in caught.value.diagnostics] == [
        "stack 'sql' needs 'run': how to start the server"
    ]


def test_learnpath_run_serves_a_files_exercise_its_database_until_ctrl_c(tmp_path):
    import signal
    import time

    from .conftest import BIN

    require_postgres()
    where = _project(tmp_path)
    proc = subprocess.Popen(
        [str(BIN / "learnpath"), "run", str(where)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "LEARNPATH_CONTENT": str(CONTENT)},
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "running until Ctrl-C" in line:
                break
        url = next(x for x in lines if "export DATABASE_URL=" in x).split("=", 1)[1].strip()
        import psycopg

        with psycopg.connect(url, connect_timeout=10) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        proc.send_signal(signal.SIGINT)
        rest = proc.communicate(timeout=60)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
            time.sleep(0.1)
    assert "stopped: the services are gone" in rest
    assert proc.returncode == 0


def test_a_script_with_its_own_transaction_runs_on_sqlite(tmp_path):
    from learnpath.grading.sql import Databases

    made = Databases(tmp_path, keep_dir=None, postgres=None, uid="t")
    own = made.sqlite(
        "own", "BEGIN;\nCREATE TABLE t (x INTEGER);\nINSERT INTO t VALUES (1);\nCOMMIT;"
    )
    assert own.query("SELECT x FROM t").rows == [(1,)]
    # without its own BEGIN, a failing script leaves nothing half-done
    half = made.sqlite("half")
    with pytest.raises(CheckFailure, match=r"schema\.sql failed on SQLite"):
        half.script("CREATE TABLE a (x INTEGER);\nCREATE TABLE a (x INTEGER);", source="schema.sql")
    assert half.query("SELECT count(*) FROM sqlite_master").scalar() == 0
    made.close()


def test_plans_statement_counts_and_timing_on_a_real_postgres(tmp_path):
    from learnpath.grading.sql import Databases, compare_timing
    from learnpath.services.registry import start_all

    require_postgres()
    seed = (
        "CREATE TABLE t (id int PRIMARY KEY, k int, pad text);"
        "INSERT INTO t SELECT g, g % 100, repeat('x', 50) FROM generate_series(1, 20000) g;"
        "ANALYZE t;"
    )
    with start_all(["postgres"], app_url="http://127.0.0.1:9") as running:
        made = Databases(tmp_path, keep_dir=None, postgres=running.info["postgres"], uid="t")
        db = made.postgres("plans", seed)
        scan = db.explain("SELECT * FROM t WHERE k = :k", {"k": 7})
        assert scan.scans_of("t") == ["Seq Scan"]
        assert scan.rows_removed_by_filter == 19800
        assert scan.shared_blocks > 0 and "Seq Scan on t" in scan.text
        db.script("CREATE INDEX t_k ON t (k); ANALYZE t;")
        lookup = db.explain("SELECT id FROM t WHERE id = :id", {"id": 5})
        assert lookup.index_names == {"t_pkey"} and lookup.rows_removed_by_filter == 0
        db.script("SET work_mem = '64kB'")  # a session setting: one connection does it all
        spill = db.explain("SELECT * FROM t ORDER BY pad, id")
        assert spill.spilled_sorts, spill.text
        if running.info["postgres"]["statements"]:
            db.reset_statements()
            for i in range(3):
                db.query("SELECT count(*) FROM t WHERE k = :k", {"k": i})
            counts = db.statement_counts()
            assert [n for q, n in counts.items() if "FROM t WHERE k" in q] == [3]
        elif os.environ.get("LEARNPATH_REQUIRE_ALL"):
            pytest.fail("pg_stat_statements is required in CI but is not installed")
        calls: list[str] = []
        timing = compare_timing(
            lambda: calls.append("fast"), lambda: calls.append("base"), rounds=3
        )
        # alternating, baseline first in each round; only the ratio is ever judged
        assert calls == ["base", "fast"] * 3
        assert timing.ratio > 0
        made.close()


def test_kept_databases_are_no_part_of_a_copied_project(tmp_path):
    """A project graded with --keep and then copied (as ``learnpath check`` copies solutions)
    leaves the kept databases behind."""
    from learnpath.grading.mutants import _copy

    where = _project(tmp_path)
    (where / KEEP_FOLDER).mkdir()
    (where / KEEP_FOLDER / "shop_1.sql").write_text("-- a kept dump")
    _copy(where, tmp_path / "copy")
    assert (tmp_path / "copy" / "schema.sql").is_file()
    assert not (tmp_path / "copy" / KEEP_FOLDER).exists()
