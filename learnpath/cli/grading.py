"""``learnpath start``, ``grade``, ``hint``, ``check``: the learner's loop, the instructor's proof.

Rendering only: the work happens in :mod:`learnpath.grading`. Output follows the CodeCrafters
testers: ``[tester::#stage]`` lines for what the grader did, ``[your_program]`` lines for what
the learner's server printed, each failing request as a ``curl`` command.
"""

from __future__ import annotations

import json
import shlex
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from learnpath.content import exercises
from learnpath.errors import LearnpathError, did_you_mean

if TYPE_CHECKING:
    from rich.console import Console

    from learnpath.grading.mutants import StageTally
    from learnpath.grading.runner import GradeResult

ProjectDir = Annotated[
    Path, typer.Argument(help="Your project folder (holds learnpath.yml).", show_default=True)
]


class GradingError(LearnpathError):
    """The project could not be graded (exit 2)."""

    exit_code = 2


def start(
    exercise: Annotated[str, typer.Argument(help="Exercise id, e.g. blog-api.")],
    directory: Annotated[
        Path | None, typer.Argument(help="Where to create the project (default: ./EXERCISE).")
    ] = None,
    stack: Annotated[
        str | None,
        typer.Option(
            "--stack",
            help="Starter stack, e.g. fastapi or express (default: your onboarding language's).",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write into a folder that is not empty.")
    ] = False,
) -> None:
    """Create a project for EXERCISE from its starter, ready to run and grade."""
    from learnpath.cli.output import console
    from learnpath.grading import session

    dest = directory or Path(exercise)
    done = session.start_project(exercise, dest, stack=stack, force=force)
    out = console()
    out.print(f"Created {dest} ({done.stack} starter for {done.title}, {len(done.files)} files).")
    out.print("\nNext steps:")
    out.print(f"  cd {shlex.quote(str(dest))}")
    if done.install and "pip" in done.install:
        # A project of its own: grading puts .venv/bin first on PATH when it is there.
        out.print("  python3 -m venv .venv && . .venv/bin/activate")
    if done.install:
        out.print(f"  {done.install}")
    out.print("  learnpath stage        # what to build first (also in README.md)")
    out.print("  learnpath grade        # starts your server on a free port and grades it")
    out.print("  learnpath hint         # when you are stuck")


def grade(
    directory: ProjectDir = Path("."),
    url: Annotated[
        str | None,
        typer.Option("--url", help="Grade a server you run yourself instead of starting it."),
    ] = None,
    stage: Annotated[str | None, typer.Option("--stage", help="Grade only this stage.")] = None,
    all_stages: Annotated[bool, typer.Option("--all", help="Grade every stage.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print an Exercism results.json (v3) report.")
    ] = False,
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Also write a JUnit XML report here.")
    ] = None,
    watch: Annotated[
        bool, typer.Option("--watch", help="Grade again whenever a file changes.")
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds each request may take.")
    ] = 10.0,
    start_timeout: Annotated[
        float | None,
        typer.Option("--start-timeout", min=0.1, help="Seconds your server may take to start."),
    ] = None,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Show every failing check in full, not just the first."
        ),
    ] = False,
    keep: Annotated[
        bool,
        typer.Option(
            "--keep",
            help="Keep the seeded databases (files exercises) in .learnpath-kept/, to reproduce "
            "a failure.",
        ),
    ] = False,
) -> None:
    """Start your server, grade it stage by stage, and stop it again.

    By default: your current stage, then earlier stages as a regression check, stopping at the
    first failing stage. Exit code 0: all graded stages pass; 1: a stage fails; 2: could not grade.
    """
    from learnpath.cli.output import console
    from learnpath.grading import project

    if stage and all_stages:
        raise typer.BadParameter("use either --stage or --all")
    if url is not None:
        _check_url(url, directory)
    directory = project.find_project(directory)
    if stage is not None:
        _require_stage(directory, stage)
    out = console(stderr=as_json)
    args = (url, stage, all_stages, as_json, junit, timeout, start_timeout, verbose, keep)
    if watch:
        _watch(out, directory, args)
        return
    code = _grade_once(out, directory, *args)
    if code:
        raise typer.Exit(code)


def _watch(out: Console, directory: Path, args: tuple[Any, ...]) -> None:
    """Regrade on changes: a clear screen per run, then one status line under the report."""
    import time

    from learnpath.grading.watch import watch as watch_loop

    status = {"last": f"watching {directory.name}/ for changes (Ctrl-C to stop)"}
    outcome = {0: "all graded stages pass", 1: "a stage fails", 2: "could not grade"}

    def once() -> None:
        out.clear()
        code = 2
        try:
            code = _grade_once(out, directory, *args)
        except LearnpathError as exc:
            out.print(f"error: {exc}", markup=False)
        out.print(
            f"\n[watch {time.strftime('%H:%M:%S')}] {outcome.get(code, 'done')} · {status['last']}",
            style="reverse",
            markup=False,
            no_wrap=True,  # one line, cut to the terminal's width
            overflow="ellipsis",
        )

    def say(message: str) -> None:
        # Shown on the status line of the next run, not as lines piling up between runs.
        if message.startswith("changed:"):
            status["last"] = message.replace(" — grading again", "") + " · Ctrl-C to stop"
        else:
            out.print(message, style="dim", markup=False)

    watch_loop(directory, once, say)


def _require_stage(directory: Path, stage_id: str) -> None:
    """A stage id the project's exercise has; else an error with the closest id."""
    from learnpath.errors import UsageError
    from learnpath.grading import project

    ex = exercises.get(project.read_project(directory).exercise)
    ids = [s.id for s in ex.stages]
    if stage_id not in ids:
        raise UsageError(f"unknown stage '{stage_id}' for {ex.id}{did_you_mean(stage_id, ids)}")


def _grade_once(
    out: Console,
    directory: Path,
    url: str | None,
    stage: str | None,
    all_stages: bool,
    as_json: bool,
    junit: Path | None,
    timeout: float,
    start_timeout: float | None,
    verbose: bool = False,
    keep: bool = False,
) -> int:
    from learnpath.cli.output import write_text
    from learnpath.grading import project, report, session
    from learnpath.grading.files import KEEP_FOLDER

    if url is None:  # learnpath starts the server: it needs the command
        project.require_run(project.read_project(directory), directory)
    renderer = _Live(out, verbose=verbose)
    result = session.grade_project(
        directory,
        url=url,
        stage=stage,
        all_stages=all_stages,
        timeout=timeout,
        start_timeout=start_timeout,
        on_event=renderer,
        keep=keep,
    )
    if keep:
        kept = directory / KEEP_FOLDER
        if kept.is_dir() and any(kept.iterdir()):
            out.print(f"Kept the seeded databases in {kept}", markup=False)
        else:
            out.print("--keep: this exercise seeded no database to keep", markup=False)
    if junit is not None:
        write_text(report.junit_xml(result), junit)
    if as_json:
        sys.stdout.write(json.dumps(report.results_json(result), indent=2) + "\n")
        sys.stdout.flush()
    _summary(out, result, verbose=verbose, url=url)
    _sync_stages_file(directory, result)
    if result.status == "error":
        if as_json:
            return 2
        raise GradingError(f"could not grade: {result.message}")
    return result.exit_code


def _check_url(url: str, directory: Path) -> None:
    """Refuse a ``--url`` that cannot be what the learner meant, naming the command that works."""
    from urllib.parse import urlsplit

    from learnpath.errors import UsageError

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(
            f"--url {url} is not an http(s) URL; give your server's address, e.g. "
            "--url http://127.0.0.1:8000"
        )
    path = parts.path.rstrip("/")
    if path.rsplit("/", 1)[-1] == "api":
        fixed = parts._replace(path=path[: -len("api")].rstrip("/")).geturl()
        raise UsageError(
            f"--url is your server's address without /api (the grader requests URL/api/...): "
            f"run {_corrected(url, fixed, directory)}"
        )


def _corrected(url: str, fixed: str, directory: Path) -> str:
    """The command line as typed, with ``url`` replaced by ``fixed``."""
    import shlex

    args = sys.argv[1:]
    if any(url in a for a in args):
        return "learnpath " + " ".join(shlex.quote(a.replace(url, fixed)) for a in args)
    return f"learnpath grade {shlex.quote(str(directory))} --url {fixed}"


class _Live:
    """Renders worker events as they arrive.

    Per stage, the first failing check is shown in full and the others in one line each (one
    root cause often fails many checks); ``verbose`` shows every failure in full.
    """

    def __init__(self, out: Console, *, verbose: bool = False):
        self.out = out
        self.verbose = verbose
        self.stage: str | None = None
        self.failures: dict[str, int] = {}
        self.lock = threading.Lock()

    def line(self, prefix: str, text: str, style: str = "") -> None:
        from rich.text import Text

        t = Text(prefix, style="dim")
        t.append(" ")
        t.append(text, style=style)
        self.out.print(t, soft_wrap=True)

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        with self.lock:
            if kind == "starting":
                self.line(
                    "[tester::#setup]",
                    f"starting your server on port {event['port']}: {event['run']}",
                )
            elif kind == "services":
                took = event["seconds"].items()
                started = ", ".join(f"{name} ({sec:.1f} s)" for name, sec in took)
                self.line("[tester::#setup]", f"started {started}")
            elif kind == "ready":
                self.line(
                    "[tester::#setup]",
                    f"your server answers on {event['url']} ({event['seconds']:g} s)",
                )
            elif kind == "test":
                self.test(event)

    def test(self, t: dict[str, Any]) -> None:
        tag = f"[tester::#{t['stage']}]"
        if t["stage"] != self.stage:
            self.stage = t["stage"]
            self.line(tag, f"Running checks for stage {t['stage']}", "bold")
        label = t.get("description") or t["name"]
        if t["status"] == "pass":
            self.line(tag, f"✓ {label}", "green")
            return
        if t["status"] == "skip":
            self.line(tag, f"- {label}  skipped: {t['message']}", "yellow")
            return
        seen = self.failures.get(t["stage"], 0)
        self.failures[t["stage"]] = seen + 1
        if seen and not self.verbose:
            self.line(tag, f"✗ {label}: {_one_line(t['message'])}", "red")
            return
        self.line(tag, f"✗ {label}", "bold red")
        for text in str(t["message"]).splitlines() or [""]:
            self.line(tag, f"  {text}", "red")
        for ex in t.get("earlier_requests") or []:
            role = "setup:   " if ex.get("setup") else "earlier: "
            self.line(tag, f"  {role} {ex['curl']}  → {_status_of(ex)}", "dim")
        req = t.get("request")
        if req:
            self.line(tag, f"  request:  {req['curl']}")
            self.line(tag, f"  response: {_response_once(req, str(t['message']))}")
        for log in t.get("logs") or []:
            self.line("[your_program]", log)
        for text in t.get("traceback") or []:
            self.line(tag, f"  | {text}", "dim")


def _common_answer(result: GradeResult, stage: str) -> str | None:
    """ "12 of 16 failing checks got the same answer: …" when one answer dominates a stage's
    failures: then one root cause (a wrong auth scheme, a missing route) explains them."""
    import collections
    import re

    answers = [
        m.group(1).strip()
        for t in result.tests
        if t["stage"] == stage and t["status"] in ("fail", "error")
        for m in [re.search(r"\bgot (\d{3}\b.*)$", str(t["message"]).splitlines()[0])]
        if m
    ]
    failing = sum(t["stage"] == stage and t["status"] in ("fail", "error") for t in result.tests)
    if not answers:
        return None
    answer, count = collections.Counter(answers).most_common(1)[0]
    if count < 3 or 2 * count < failing:
        return None
    return (
        f"{count} of {failing} failing checks got the same answer, {_one_line(answer, 100)}: "
        "probably one cause; fix it first."
    )


def _one_line(message: str, width: int = 160) -> str:
    first = next((x.strip() for x in message.splitlines() if x.strip()), "")
    return first if len(first) <= width else first[: width - 1] + "…"


def _status_of(exchange: dict[str, Any]) -> str:
    status = exchange.get("status")
    return f"HTTP {status}" if status is not None else str(exchange.get("response") or "no answer")


def _response_once(request: dict[str, Any], message: str) -> str:
    """The response line, without the body when the failure message already quotes it."""
    response = str(request.get("response") or "")
    head, sep, body = response.partition(") ")
    if sep and body.strip() and body.strip() in message:
        return f"{head}) (body as quoted above)"
    return response


def _sync_stages_file(directory: Path, result: GradeResult) -> None:
    """Append the stages unlocked by this grade to the project's STAGES.md."""
    import contextlib

    from learnpath.grading import instructions, session

    if not any(s.status == "pass" for s in result.stages):
        return
    with contextlib.suppress(OSError, LearnpathError):  # the grade stands without the file
        ex = exercises.get(result.exercise)
        instructions.sync_stages_file(directory, ex, session.current_stage(ex, directory))


def _summary(
    out: Console, result: GradeResult, *, verbose: bool = False, url: str | None = None
) -> None:
    from rich.text import Text

    if result.status == "error":
        for log in result.error_logs[-15:]:
            t = Text("[your_program]", style="dim")
            t.append(f" {log}")
            out.print(t, soft_wrap=True)
        return
    glyph = {"pass": ("✓", "green"), "fail": ("✗", "red"), "skip": ("-", "yellow")}
    glyph["skipped"] = ("·", "dim")
    first_failed = next((s.stage for s in result.stages if s.status == "fail"), None)
    out.print()
    for st in result.stages:
        g, style = glyph.get(st.status, ("?", ""))
        t = Text(f"{g} {st.stage}", style=style)
        if st.status == "skipped":
            t.append(f"  {st.title}  not run: stage {first_failed} failed first", style="dim")
        elif st.status == "skip":
            t.append(f"  {st.title}  skipped: {st.message}", style="dim")
        else:
            t.append(f"  {st.title}  ({st.passed} passed, {st.failed} failed)", style="dim")
        out.print(t)
    if result.record_error:
        out.print(f"warning: this attempt was not saved: {result.record_error}", markup=False)
    if result.status == "pass":
        _next_stage(out, result)
    else:
        failed = next(s for s in result.stages if s.status == "fail")
        out.print(f"\nStage {failed.stage} failed.", style="bold red", markup=False)
        if failed.failed > 1 and not verbose:
            out.print(
                f"{failed.failed} checks failed; the first is shown in full, the others in one "
                "line each (--verbose shows all).",
                markup=False,
            )
        common = _common_answer(result, failed.stage)
        if common:
            out.print(common, style="bold", markup=False)
        replay: str | None = None
        if exercises.get(result.exercise).kind == "files":
            # only where the failing checks ran on databases the grader seeded
            if any("--keep" in t["message"] for t in result.tests if t["stage"] == failed.stage):
                replay = (
                    "Keep the seeded databases to reproduce it by hand: "
                    f"learnpath grade --keep --stage {failed.stage}"
                )
        else:
            replay_url = url or "http://127.0.0.1:PORT"
            replay = (
                "Replay against a server you run yourself (start it, then): "
                f"learnpath grade --url {replay_url} --stage {failed.stage}"
            )
        if replay:
            out.print(replay, markup=False, soft_wrap=True)  # one line: the command can be copied
        out.print(
            f"Stuck? learnpath hint --stage {failed.stage} · "
            f"instructions: learnpath stage --stage {failed.stage}",
            style="yellow",
            markup=False,
        )


def _next_stage(out: Console, result: GradeResult) -> None:
    from rich.markdown import Markdown

    from learnpath.grading import session

    ex = exercises.get(result.exercise)
    ids = [s.id for s in ex.stages]
    passed = ", ".join(s.stage for s in result.stages if s.status == "pass")
    out.print(f"\nAll graded stages pass ({passed}).", style="bold green", markup=False)
    not_checked = [s.stage for s in result.stages if s.status == "skip"]
    if not_checked:
        out.print(
            f"Not checked here: {', '.join(not_checked)} (grade without --url to check them).",
            markup=False,
        )
    # What is next comes from every stage the project has passed, not from this run alone.
    after = session.stage_after(result)
    if after == session.ALL_DONE:
        out.print(f"You have completed {ex.title}.", markup=False)
    elif after not in not_checked:
        nxt = ex.stages[ids.index(after)]
        number = ids.index(after) + 1
        out.print(f"\nNext: stage {number}, {nxt.title}\n", style="bold", markup=False)
        out.print(Markdown(nxt.description))
        out.print(
            "Run 'learnpath grade' when you are ready. These instructions are also in STAGES.md "
            "('learnpath stage' prints them again).",
            markup=False,
        )


def hint(
    directory: ProjectDir = Path("."),
    stage: Annotated[
        str | None, typer.Option("--stage", help="The stage to get a hint for.")
    ] = None,
) -> None:
    """Reveal the next hint for your current stage (one at a time)."""
    from rich.markdown import Markdown

    from learnpath.cli.output import console
    from learnpath.errors import UsageError
    from learnpath.grading import hints, project, runner, session

    directory = project.find_project(directory)
    cfg = project.read_project(directory)
    ex = exercises.get(cfg.exercise)
    current = session.current_stage(ex, directory)
    if current == runner.ALL_DONE:  # every stage passed: hints of the last one
        current = ex.stages[-1].id
    stage_id = stage or current or ex.stages[0].id
    st = ex.stage(stage_id)
    if st is None:
        ids = [s.id for s in ex.stages]
        raise UsageError(f"unknown stage '{stage_id}'{did_you_mean(stage_id, ids)}")
    out = console()
    out.print(f"Stage {stage_id}: {st.title}", style="bold", markup=False)
    if not st.hints:
        out.print("This stage has no hints. What the grader checks:\n", markup=False)
        out.print(Markdown(st.description))
        return
    shown, last = hints.reveal(ex, st)
    for i, text in enumerate(shown, 1):
        out.print(Markdown(f"**Hint {i}/{len(st.hints)}:** {text}"))
    if last:
        out.print(
            "\nThat was the last hint. The stage description says what the grader checks:",
            style="dim",
            markup=False,
        )
        out.print(Markdown(st.description))
    else:
        out.print("Run 'learnpath hint' again for the next hint.", style="dim", markup=False)


def stage(
    directory: ProjectDir = Path("."),
    stage_id: Annotated[
        str | None,
        typer.Option("--stage", help="A stage you have unlocked (default: your current one)."),
    ] = None,
) -> None:
    """Print the instructions of your current stage, or of an earlier one with --stage."""
    from rich.markdown import Markdown

    from learnpath.cli.output import console
    from learnpath.errors import UsageError
    from learnpath.grading import instructions, project, session

    directory = project.find_project(directory)
    ex = exercises.get(project.read_project(directory).exercise)
    current = session.current_stage(ex, directory)
    ids = [s.id for s in ex.stages]
    if not ids:
        raise UsageError(f"exercise '{ex.id}' has no stages")
    unlocked = instructions.unlocked(ex, current)
    if stage_id is None:
        st = unlocked[-1]
    else:
        if stage_id not in ids:
            raise UsageError(f"unknown stage '{stage_id}'{did_you_mean(stage_id, ids)}")
        found = ex.stage(stage_id)
        assert found is not None
        st = found
        if st not in unlocked:
            first = unlocked[-1]
            raise UsageError(
                f"stage {stage_id} is locked: pass stage {first.id} ({first.title}) first, "
                "then 'learnpath grade' unlocks the next one"
            )
    out = console()
    out.print(instructions.heading(ex, st), style="bold", markup=False)
    out.print(Markdown(st.description))
    tail = "Grade it: learnpath grade"
    if st.id != unlocked[-1].id or current == instructions.ALL_DONE:
        tail = f"Passed already; regrade it: learnpath grade --stage {st.id}"
    out.print(f"\n{tail} · stuck? learnpath hint --stage {st.id}", style="dim", markup=False)


def check(
    exercise: Annotated[str, typer.Argument(help="Exercise id.")],
    mutants: Annotated[
        Path | None,
        typer.Option("--mutants", help="Mutants folder (default: the exercise's mutants/)."),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Gradings in parallel.")] = 2,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the proofs and per-stage kills as JSON.")
    ] = False,
    list_only: Annotated[
        bool, typer.Option("--list", help="List the proofs (mutants validated) without running.")
    ] = False,
) -> None:
    """For instructors: prove the graders honest (solutions pass, starters and mutants fail).

    Each proof runs in a temporary copy with its dependencies installed into a throwaway
    environment (a venv, node_modules) that check removes afterwards. Then, per stage: how many
    mutants target it and how many it killed; a stage without a mutant fails the check.
    """
    from dataclasses import asdict

    from rich.text import Text

    from learnpath.cli.output import console
    from learnpath.grading import mutants as mut

    ex = exercises.get(exercise)
    out = console(stderr=as_json)
    _interrupt_on_sigterm()  # so that a killed check still removes its temporary folders
    if list_only:
        planned = mut.list_proofs(ex, mutants_dir=mutants)
        for item in planned:
            out.print(f"{item.kind} {item.name}: {item.required}", markup=False)
        _print_tally(out, mut.tally(ex, planned), ran=False)
        out.print(f"\n{len(planned)} proofs for {ex.id} (not run).", markup=False)
        return
    lock = threading.Lock()

    def show(item: mut.CheckItem) -> None:
        t = Text("ok   " if item.ok else "FAIL ", style="green" if item.ok else "bold red")
        t.append(f"{item.kind} {item.name}: {item.required}")
        t.append(f" ({item.seconds:.1f} s) — {item.detail}", style="dim")
        with lock:
            out.print(t, soft_wrap=True)

    items = mut.check_exercise(ex, mutants_dir=mutants, jobs=jobs, on_item=show)
    tallies = mut.tally(ex, items)
    _print_tally(out, tallies)
    bad = [i for i in items if not i.ok]
    out.print(f"\n{len(items) - len(bad)}/{len(items)} proofs hold for {ex.id}.", markup=False)
    if as_json:
        doc = {
            "exercise": ex.id,
            "status": "fail" if bad else "pass",
            "proofs": [asdict(i) for i in items],
            "stages": [asdict(t) for t in tallies],
        }
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        sys.stdout.flush()
    if bad:
        raise typer.Exit(1)


def _interrupt_on_sigterm() -> None:
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def _print_tally(out: Console, tallies: list[StageTally], *, ran: bool = True) -> None:
    """The per-stage table of ``check``: mutants that target each stage, and how many died."""
    width = max([len("stage"), *(len(t.stage) for t in tallies)])
    out.print(f"\n{'stage':<{width}}  mutants" + "  killed" * ran, markup=False)
    for t in tallies:
        row = f"{t.stage:<{width}}  {t.mutants:>7}"
        if ran:
            row += f"  {t.killed:>6}" + ("" if t.mutants and t.killed == t.mutants else "  <-")
        out.print(row if ran or t.mutants else f"{row}  <-", markup=False)
