"""Rich consoles and file output for the CLI (Rich is imported only when something is shown)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from learnpath.atomic import write_atomic
from learnpath.errors import LearnpathError

if TYPE_CHECKING:
    from rich.console import Console

GLYPHS = {"todo": "○", "in-progress": "◐", "done": "●", "skipped": "⊘"}
STYLES = {"todo": "dim", "in-progress": "yellow", "done": "green", "skipped": "magenta"}


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else int(os.environ.get("COLUMNS", "100") or 100)
    # Rich honours NO_COLOR and emits no ANSI codes when the stream is not a terminal.
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


def glyph(status: str) -> str:
    return f"[{STYLES[status]}]{GLYPHS[status]}[/]"


_TAG = re.compile(
    r"(?<!\\)\[(?:/|link=[^\]]*|"
    r"(?:bold |italic )?(?:dim|bold|green|yellow|magenta|cyan|red|italic))\]"
)


def markup_escape(text: str) -> str:
    """Escape ``[`` so titles are never read as Rich markup (same rule as rich.markup.escape)."""
    return text.replace("[", "\\[")


def plain(markup: str) -> str:
    """The text of a line of our markup, without its style tags."""
    return _TAG.sub("", markup).replace("\\[", "[")


def print_markup(lines: list[str]) -> None:
    """Print markup lines: through Rich on a terminal, as plain text otherwise (fast, no ANSI)."""
    if not sys.stdout.isatty():
        sys.stdout.write("".join(plain(line) + "\n" for line in lines))
        return
    from rich.text import Text

    out = console()
    for line in lines:
        out.print(Text.from_markup(line, overflow="ellipsis"), no_wrap=True, crop=True)


def write_text(text: str, output: Path | None) -> None:
    """Print ``text`` or write it to ``output``; a write failure is a clear one-line error."""
    if output is None:
        sys.stdout.write(text)
        return
    try:
        write_atomic(output, text)
    except OSError as exc:
        raise LearnpathError(f"cannot write {output}: {exc.strerror or exc}") from None
    sys.stderr.write(f"wrote {output}\n")
