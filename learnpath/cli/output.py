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
BAR_WIDTH = 20


def bar(percent: float, width: int = BAR_WIDTH) -> str:
    """A progress bar of block characters (plain text: the same in pipes and on terminals)."""
    filled = round(width * percent / 100)
    return "█" * filled + "░" * (width - filled)


STYLES = {"todo": "dim", "in-progress": "yellow", "done": "green", "skipped": "magenta"}


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else int(os.environ.get("COLUMNS", "100") or 100)
    # Rich honours NO_COLOR and emits no ANSI codes when the stream is not a terminal.
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


def glyph(status: str) -> str:
    return f"[{STYLES[status]}]{GLYPHS[status]}[/]"


# What Rich's markup parser reads as a tag, with the backslashes right before it.
_RICH_TAG = re.compile(r"(\\*)\[([a-z#/@][^[]*?)]")


def markup_escape(text: str) -> str:
    """``text`` as Rich markup that reads back as ``text`` wherever it is placed.

    Like ``rich.markup.escape``, but a trailing run of backslashes is doubled whole: a title
    ending in ``\\`` followed by our own ``[/]`` must not escape that tag.
    """
    text = _RICH_TAG.sub(lambda m: m[1] * 2 + "\\" + m[0][len(m[1]) :], text)
    trailing = len(text) - len(text.rstrip("\\"))
    return text + "\\" * trailing


def plain(markup: str) -> str:
    """The text Rich shows for a line of our markup, without its style tags."""

    def one(m: re.Match[str]) -> str:
        backslashes, escaped = divmod(len(m[1]), 2)
        return "\\" * backslashes + (m[0][len(m[1]) :] if escaped else "")

    return _RICH_TAG.sub(one, markup)


def print_markup(lines: list[str], *, wrap_last: int = 0) -> None:
    """Print markup lines: through Rich on a terminal, as plain text otherwise (fast, no ANSI).

    On a terminal, lines are cut to its width (a tree stays a tree), except the last
    ``wrap_last`` lines (a footer of advice), which wrap so nothing of them is lost.
    """
    if not sys.stdout.isatty():
        sys.stdout.write("".join(plain(line) + "\n" for line in lines))
        return
    from rich.text import Text

    out = console()
    cut = len(lines) - wrap_last
    for i, line in enumerate(lines):
        if i < cut:
            out.print(Text.from_markup(line), no_wrap=True, overflow="ellipsis", crop=True)
        else:
            out.print(Text.from_markup(line))


def page(out: Console, renderables: list, *, cut: int = 0) -> bool:
    """Show ``renderables`` through a pager when they are taller than the terminal.

    The first ``cut`` of them take one line each, cut at the terminal's width (tree lines).

    ``$PAGER`` or ``less -R`` (colours kept); without one, or when it fits, they are printed.
    True when a pager showed them (and the screen is back as it was).
    """
    import shutil
    import subprocess

    with out.capture() as captured:
        for i, r in enumerate(renderables):
            if i < cut:
                out.print(r, no_wrap=True, overflow="ellipsis", crop=True)
            else:
                out.print(r)
    text = captured.get()
    pager = os.environ.get("PAGER") or ("less" if shutil.which("less") else "")
    if not out.is_terminal or not pager or text.count("\n") < out.size.height - 1:
        out.file.write(text)
        out.file.flush()
        return False
    cmd = [pager, "-R"] if pager == "less" else pager.split()
    env = {**os.environ, "LESS": os.environ.get("LESS", "") + " -R"}
    try:
        subprocess.run(cmd, input=text, text=True, env=env, check=False)
    except OSError:
        out.file.write(text)
        out.file.flush()
        return False
    return True


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
