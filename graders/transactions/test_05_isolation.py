"""Stage isolation-declared: the program says at which isolation level each command runs and
why, the grader's trigger sees every write really run at that level (in a database whose
default level is another one), and a serialization failure is retried, a bounded number of
times.
"""

import pytest
from conftest import (
    DECLARATION,
    LEVELS,
    REASON,
    SERIALIZATION_MESSAGE,
    SKIP_DIRS,
    SOURCE_SUFFIXES,
    Ids,
    account,
    doctor,
)

from learnpath.grading.checks import CheckFailure, expect

COMMANDS = ("transfer", "leave")
FORCED = 2  # serialization failures in a row a retrying command must get through
GIVE_UP = 25  # a command must give up within this many attempts that all fail with 40001
EXAMPLE = "# isolation leave: serializable - because the rule reads rows that other leaves write"


def _declarations(project) -> dict[str, tuple[str, str, str]]:
    """command -> (level, reason, where) from the comments in the project's source files."""
    found: dict[str, list[tuple[str, str, str]]] = {}
    for path in sorted(project.dir.rglob("*")):
        rel = path.relative_to(project.dir)
        if path.suffix not in SOURCE_SUFFIXES or any(p in SKIP_DIRS for p in rel.parts):
            continue
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in DECLARATION.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            level = " ".join(m.group(2).lower().split())
            found.setdefault(m.group(1).lower(), []).append((level, m.group(3), f"{rel}:{line}"))
    out = {}
    for command in COMMANDS:
        entries = found.get(command, [])
        if not entries:
            raise CheckFailure(
                f"expected a comment in your program declaring the isolation level of "
                f"`{command}` and why, like `{EXAMPLE.replace('leave', command)}`, found none "
                f"(looked in the {', '.join(SOURCE_SUFFIXES)} files of your project)"
            )
        levels = {e[0] for e in entries}
        if len(levels) > 1:
            raise CheckFailure(
                f"expected one isolation level declared for `{command}`, found "
                f"{', '.join(f'{lvl} ({where})' for lvl, _, where in entries)}"
            )
        out[command] = entries[0]
    return out


def _seed(bank, name):
    rng = bank.rng(name)
    ids = Ids(rng)
    source = account(ids, rng.randrange(20_000, 50_000))
    target = account(ids, rng.randrange(0, 5_000))
    shift = f"ward-{rng.randrange(100, 999)}"
    leaving = doctor(ids, shift, True)
    staying = doctor(ids, shift, True)
    return rng, source, target, leaving, staying


@pytest.fixture(scope="module")
def retry_bank(bank):
    """One database for the retry checks: accounts and doctors of its own for each."""
    seeds = {name: _seed(bank, name) for name in ("retry", "bounded")}
    accounts = [a for s in seeds.values() for a in s[1:3]]
    doctors = [d for s in seeds.values() for d in s[3:5]]
    return bank.open("retries", accounts=accounts, doctors=doctors), seeds


def _args(command, source, target, leaving, amount):
    if command == "transfer":
        return ("transfer", source.id, target.id, str(amount))
    return ("leave", leaving.id)


def _table(command):
    return "transfers" if command == "transfer" else "doctors"


@pytest.mark.stage("isolation-declared")
def test_levels_declared(project):
    """The program declares each command's isolation level and why, in a comment.

    `isolation <command>: <level> - because <reason>`, for transfer and for leave."""
    for command, (level, rest, where) in _declarations(project).items():
        expect(
            REASON.search(rest) is not None,
            f"expected the declaration of `{command}` ({where}: isolation {command}: {level}"
            f"{rest.rstrip()}) to say why, in a few words after 'because', on the same line: "
            f"e.g. `{EXAMPLE}`",
        )


@pytest.mark.stage("isolation-declared")
def test_commands_run_at_the_declared_level(project, bank):
    """Transfers and leaves really run at the declared levels, set by the program itself.

    The database's default isolation level is neither declared level."""
    declared = {c: d[0] for c, d in _declarations(project).items()}
    # A default that is neither declared level: a program relying on it is caught.
    default = next(lvl for lvl in LEVELS[::-1] if lvl not in declared.values())
    rng, source, target, leaving, staying = _seed(bank, "levels")
    b = bank.open(
        "levels",
        accounts=[source, target],
        doctors=[leaving, staying],
        settings={"default_transaction_isolation": default},
    )
    for command in COMMANDS:
        args = _args(command, source, target, leaving, rng.randrange(100, 1_000))
        mark = b.mark()
        b.expect_ok(*args)
        levels = sorted({w[1] for w in b.writes_since(mark)})
        expect(
            levels == [declared[command]],
            f"expected the writes of `{' '.join(args)}` to run at {declared[command]}, as your "
            f"program declares, they ran at {', '.join(levels) or '(no write seen)'} (this "
            f"database's default is {default}: set the level in your code for each "
            f"transaction, e.g. BEGIN ISOLATION LEVEL {declared[command].upper()}). "
            f"{b.repro(args)}",
        )


def _strict_commands(project) -> list[str]:
    declared = _declarations(project)
    return [c for c in COMMANDS if declared[c][0] != "read committed"]


@pytest.mark.stage("isolation-declared")
def test_serialization_failure_is_retried(project, retry_bank):
    """A command at REPEATABLE READ or SERIALIZABLE retries after 2 serialization failures.

    The grader's trigger raises SQLSTATE 40001 twice in a row; the command retries the whole
    transaction and succeeds, its writes made once."""
    strict = _strict_commands(project)
    if not strict:
        return  # both commands run at READ COMMITTED with locks: no 40001 to retry
    b, seeds = retry_bank
    rng, source, target, leaving, _ = seeds["retry"]
    for command in strict:
        args = _args(command, source, target, leaving, rng.randrange(100, 1_000))
        mark = b.mark()
        b.fail_writes(
            _table(command), times=FORCED, sqlstate="40001", message=SERIALIZATION_MESSAGE
        )
        try:
            outcome = b.call(*args)
        finally:
            hits = b.clear_faults()
        expect(
            outcome.ok,
            f"expected `{' '.join(args)}` to retry its transaction after {FORCED} serialization "
            f"failures (SQLSTATE 40001, raised on purpose by the grader's trigger on "
            f"{_table(command)}) and succeed; it made {hits} attempt(s) and ended "
            f"{outcome.brief()}. Catch 40001 (and 40P01), roll back, and run the whole "
            "transaction again. "
            f"{b.repro(args)}",
        )
        writes = b.writes_since(mark)
        mine = [w for w in writes if w[2] == _table(command)]
        expect(
            len(mine) == 1 and hits == FORCED + 1,
            f"expected `{' '.join(args)}` to write its {_table(command)} row once, on its "
            f"attempt {FORCED + 1}; it made {hits} attempt(s) and {len(mine)} such writes",
        )


@pytest.mark.stage("isolation-declared")
def test_retries_are_bounded(project, retry_bank):
    """A command at REPEATABLE READ or SERIALIZABLE gives up within 25 failed attempts.

    Every attempt meets a serialization failure: it answers ok false (or exits non-zero) and
    writes nothing, instead of retrying forever."""
    strict = _strict_commands(project)
    if not strict:
        return  # nothing is retried at READ COMMITTED
    b, seeds = retry_bank
    rng, source, target, leaving, _ = seeds["bounded"]
    for command in strict:
        args = _args(command, source, target, leaving, rng.randrange(100, 1_000))
        before = b.state()
        b.fail_writes(
            _table(command), times=GIVE_UP, sqlstate="40001", message=SERIALIZATION_MESSAGE
        )
        try:
            outcome = b.call(*args)
        except CheckFailure as exc:
            raise CheckFailure(
                f"expected `{' '.join(args)}` to give up after a bounded number of attempts when "
                f"every attempt meets a serialization failure; it was still retrying after "
                f"{b.fault_hits()} attempts: {exc}"
            ) from None
        finally:
            hits = b.clear_faults()
        expect(
            not outcome.ok,
            f"expected `{' '.join(args)}` to give up within {GIVE_UP} attempts when every "
            f"attempt meets a serialization failure (answering ok false, e.g. "
            f'{{"ok": false, "error": "retry_limit"}}); it went on to attempt {hits} and '
            f"succeeded: retry a bounded number of times (5 to 10 is plenty).",
        )
        expect(
            b.state() == before,
            f"expected `{' '.join(args)}` to change nothing when it gave up, the database changed",
        )
