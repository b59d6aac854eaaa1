"""Command-line entry points: ``learnpath``, ``learning-path`` and ``explore-roadmap``.

The CLI is a thin layer over the core: it parses options, renders with Rich, and turns a
:class:`~learnpath.errors.LearnpathError` into one clean message, once, here.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable

import typer

from learnpath.errors import ContentError, LearnpathError


def _debug_requested() -> bool:
    return "--debug" in sys.argv[1:] or os.environ.get("LEARNPATH_DEBUG", "") not in ("", "0")


def _say_error(message: str) -> None:
    color = sys.stderr.isatty() and "NO_COLOR" not in os.environ
    label = "\x1b[1;31merror:\x1b[0m" if color else "error:"
    sys.stderr.write(f"{label} {message}\n")


def run(factory: Callable[[], typer.Typer], prog_name: str) -> None:
    """Run a Typer app; map our errors to one message and an exit code, hide tracebacks."""
    debug = _debug_requested()
    try:
        factory()(prog_name=prog_name)
    except ContentError as exc:
        for d in exc.diagnostics:
            sys.stderr.write(f"{d}\n")
        _say_error(f"{exc} (fix them, then run 'learnpath validate')")
        if debug:
            traceback.print_exc()
        sys.exit(exc.exit_code)
    except LearnpathError as exc:
        if debug:
            traceback.print_exc()
        _say_error(str(exc))
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _say_error("interrupted")
        sys.exit(130)
    except BrokenPipeError:
        # The reader went away (`explore-roadmap | head`): not an error. Point stdout at
        # /dev/null so the interpreter's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except Exception as exc:  # a bug: say so plainly, keep the traceback for --debug
        if debug:
            raise
        _say_error(f"internal error: {type(exc).__name__}: {exc} (run again with --debug)")
        sys.exit(70)


def main() -> None:
    from learnpath.cli.app import learnpath_app

    run(learnpath_app, "learnpath")


def learning_path_main() -> None:
    from learnpath.cli.app import learning_path_app

    run(learning_path_app, "learning-path")


def explore_roadmap_main() -> None:
    from learnpath.cli.app import explore_roadmap_app

    run(explore_roadmap_app, "explore-roadmap")
