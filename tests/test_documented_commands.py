"""Every shell command an exercise documents works when pasted into bash.

The commands come from the ```sh blocks of starters' and solutions' READMEs, the "Run it:" /
"Entry point:" lines of starters' sources, shell snippets in stage hints, and each stack's run
command. Each runs in a clean bash with ``set -u`` and every external command stubbed out: what
is checked is the shell's part, e.g. ``PORT=8000 python ... --port $PORT`` fails because the
shell expands ``$PORT`` before the assignment takes effect.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT

EXERCISES = ROOT / "exercises"
SHELL_WORDS = ("export ", "curl ", "python ", "python3 ", "npm ", "node ", "pip ", "learnpath ")
_BLOCK = re.compile(r"^```(?:sh|bash|shell|console)\n(.*?)^```", re.S | re.M)
_RUN_LINE = re.compile(r"(?:Run it|Run|Entry point): (.+)$")
_CODE = re.compile(r"`([^`]+)`")

BASH = shutil.which("bash")


def _readme_blocks() -> list[tuple[str, str]]:
    found = []
    for readme in sorted(EXERCISES.glob("*/*s/*/README.md")):  # starters/ and solutions/
        for block in _BLOCK.findall(readme.read_text(encoding="utf-8")):
            found.append((str(readme.relative_to(ROOT)), block))
    return found


def _source_lines() -> list[tuple[str, str]]:
    found = []
    for src in sorted(EXERCISES.glob("*/starters/*/**/*")):
        if src.suffix not in (".py", ".js", ".ts", ".mjs") or "node_modules" in src.parts:
            continue
        for line in src.read_text(encoding="utf-8").splitlines()[:8]:
            match = _RUN_LINE.search(line)
            if match:
                found.append((str(src.relative_to(ROOT)), match.group(1).rstrip('"').strip()))
    return found


def _hint_snippets() -> list[tuple[str, str]]:
    import yaml

    found = []
    for file in sorted(EXERCISES.glob("*/exercise.yaml")):
        doc = yaml.safe_load(file.read_text(encoding="utf-8"))
        where = str(file.relative_to(ROOT))
        for stage in doc.get("stages") or []:
            for hint in stage.get("hints") or []:
                for code in _CODE.findall(hint):
                    if code.startswith(SHELL_WORDS) or re.match(r"[A-Z_]+=\S", code):
                        found.append((f"{where} hint of {stage['id']}", code))
        for name, stack in (doc.get("stacks") or {}).items():
            # learnpath sets PORT (and DATABASE_PATH) before it runs these
            set_by_learnpath = "export PORT=1 DATABASE_PATH=x\n"
            if stack.get("run"):  # a files-only stack has none
                found.append((f"{where} run of {name}", set_by_learnpath + stack["run"]))
            if stack.get("install"):
                found.append((f"{where} install of {name}", stack["install"]))
    return found


COMMANDS = _readme_blocks() + _source_lines() + _hint_snippets()


def run_pasted(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``script`` as pasted into a clean bash: unset variables are errors, commands are stubs."""
    assert BASH is not None
    # `<realworld>` and the like are for the reader to fill in
    script = re.sub(r"<([\w-]+)>", r"\1", script)
    for word in re.findall(r"(?m)^\s*(\S*/\S*)", script):  # ./script.sh, scripts/x.sh
        if not word.startswith(("#", "/")) and word[0] != ".":
            stub = cwd / word
            stub.parent.mkdir(parents=True, exist_ok=True)
            stub.write_text("#!/bin/sh\n")
            stub.chmod(0o755)
    prelude = (
        "set -euo pipefail\n"
        "PATH=/nonexistent\n"  # nothing real runs: every command is the stub below
        # A stub reads what is piped into it, as the real command would: a writer into a
        # pipe whose reader already exited dies of SIGPIPE, which pipefail would report.
        "command_not_found_handle() { while IFS= read -r _; do :; done; return 0; }\n"
        "source() { :; }\n"
        "cd() { :; }\n"
        ".() { :; }\n"
    )
    return subprocess.run(
        [BASH, "--noprofile", "--norc", "-c", prelude + script],
        cwd=cwd,
        env={"HOME": str(cwd)},
        stdin=subprocess.DEVNULL,  # stubs that read stdin get end-of-file at once
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_documented_commands_are_found():
    where = {w.split(" ")[0] for w, _ in COMMANDS}
    assert any("starters/fastapi/README.md" in w for w in where)
    assert any("starters/express/README.md" in w for w in where)
    assert any(w.endswith("main.py") for w in where)
    assert any("exercise.yaml" in w for w in where)


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
@pytest.mark.parametrize(("where", "script"), COMMANDS, ids=[w for w, _ in COMMANDS])
def test_a_documented_command_works_when_pasted_into_bash(where, script, tmp_path):
    source = ROOT / where.split(" ")[0]
    if source.name == "README.md":
        # A README's commands run in its own folder: the files they name are there.
        shutil.copytree(
            source.parent,
            tmp_path,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("node_modules"),
        )
    result = run_pasted(script, tmp_path)
    assert result.returncode == 0, f"{where}: {script!r} fails in bash: {result.stderr.strip()}"


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_the_check_catches_a_variable_used_in_the_command_that_sets_it(tmp_path):
    bad = "PORT=8000 python -m uvicorn app.main:app --port $PORT"
    assert "PORT: unbound variable" in run_pasted(bad, tmp_path).stderr
    assert run_pasted("export PORT=8000\n" + bad.split(" ", 1)[1], tmp_path).returncode == 0
