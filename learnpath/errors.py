"""The one error family of learnpath's core.

The CLI catches :class:`LearnpathError` once and prints it as a single line (or, for content
errors, one ``FILE:LINE:COL: error: message`` line per problem). Anything else is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass


class LearnpathError(Exception):
    """Base class: a problem the user can act on. ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class UsageError(LearnpathError):
    """The command was called with something that does not exist or does not fit."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in a content file, positioned like a compiler message (1-based)."""

    file: str
    line: int
    col: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.message}"


class ContentError(LearnpathError):
    """Curriculum or exercise definitions that do not validate."""

    exit_code = 2

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(diagnostics, key=lambda d: (d.file, d.line, d.col))
        n = len(self.diagnostics)
        files = len({d.file for d in self.diagnostics})
        super().__init__(f"{n} error{'s' * (n != 1)} in {files} file{'s' * (files != 1)}")


class StoreError(LearnpathError):
    """The progress database cannot be used (corrupt, foreign, read-only, disk full)."""

    exit_code = 2


def did_you_mean(word: str, choices: list[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``choices``, else the list of them: the tail
    of an "unknown ..." error."""
    import difflib

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; known: {', '.join(choices)}"
