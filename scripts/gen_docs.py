"""Regenerate the generated parts of the docs from the code.

usage: python scripts/gen_docs.py [--check]

- README.md, between the `<!-- commands:start -->` and `<!-- commands:end -->` markers: the
  `--help` of every command.
- docs/schema.md: the progress database schema, made by running the migrations in memory
  (when the progress store provides ``learnpath.store.schema_markdown``).

With --check nothing is written; the exit status is 1 when a file is stale.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- commands:start -->", "<!-- commands:end -->"


def _help(*argv: str) -> str:
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    code = "import sys; from learnpath.cli import {fn}; sys.argv = {argv!r}; {fn}()"
    fn = {
        "learnpath": "main",
        "learning-path": "learning_path_main",
        "explore-roadmap": "explore_roadmap_main",
    }[argv[0]]
    out = subprocess.run(
        [sys.executable, "-c", code.format(fn=fn, argv=[*argv, "--help"])],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    return "\n".join(line.rstrip() for line in out.strip("\n").splitlines())


def commands_markdown() -> str:
    from typer.main import get_command

    from learnpath.cli.app import learnpath_app

    group = get_command(learnpath_app())
    blocks = [("learning-path",), ("explore-roadmap",), ("learnpath",)]
    blocks += [("learnpath", name) for name in group.commands]  # type: ignore[attr-defined]
    out = []
    for argv in blocks:
        out += [f"### `{' '.join(argv)}`", "", "```", _help(*argv), "```", ""]
    return "\n".join(out)


def render_readme(text: str) -> str:
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{commands_markdown()}{END}{tail}"


def main() -> int:
    check = "--check" in sys.argv
    stale = []
    readme = ROOT / "README.md"
    current = readme.read_text(encoding="utf-8")
    wanted = render_readme(current)
    if wanted != current:
        stale.append(readme)
        if not check:
            readme.write_text(wanted, encoding="utf-8")
    try:
        from learnpath.store import schema_markdown  # type: ignore[attr-defined]
    except ImportError:
        schema_markdown = None
    if schema_markdown is not None:
        schema = ROOT / "docs" / "schema.md"
        wanted_schema = schema_markdown()
        if not schema.exists() or schema.read_text(encoding="utf-8") != wanted_schema:
            stale.append(schema)
            if not check:
                schema.write_text(wanted_schema, encoding="utf-8")
    for path in stale:
        print(f"{'stale' if check else 'updated'}: {path.relative_to(ROOT)}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
