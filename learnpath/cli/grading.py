"""``learnpath start``, ``grade``, ``hint``, ``check``: the learner's loop, the instructor's proof.

Rendering only: the work happens in :mod:`learnpath.grading`. Output follows the CodeCrafters
testers: ``[tester::#stage]`` lines for what the grader did, ``[your_program]`` lines for what
the learner's server printed, each failing request as a ``curl`` command.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from learnpath.errors import LearnpathError

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
        str | None, typer.Option("--stack", help="Starter stack, e.g. fastapi or express.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write into a folder that is not empty.")
    ] = False,
) -> None:
    """Create a project for EXERCISE from its starter, ready to run and grade."""
    from learnpath.cli.output import console
    from learnpath.grading import project, scaffold

    ex = project.load_exercise(exercise)
    dest = directory or Path(exercise)
    done = scaffold.start(ex, dest, stack=stack, force=force)
    out = console()
    out.print(f"Created {dest} ({done.stack} starter for {ex.title}, {len(done.files)} files).")
    out.print("\nNext steps:")
    out.print(f"  cd {dest}")
    if done.install:
        out.print(f"  {done.install}")
    out.print("  # read README.md: stage 1 is described there")
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
) -> None:
    """Start your server, grade it stage by stage, and stop it again.

    By default: your current stage, then earlier stages as a regression check, stopping at the
    first failing stage. Exit code 0: all graded stages pass; 1: a stage fails; 2: could not grade.
    """
    from learnpath.cli.output import console

    if stage and all_stages:
        raise typer.BadParameter("use either --stage or --all")
    if url is not None:
        _check_url(url, directory)
    out = console(stderr=as_json)
    if watch:
        from learnpath.grading.watch import watch as watch_loop

        def once() -> None:
            try:
                _grade_once(
                    out, directory, url, stage, all_stages, as_json, junit, timeout, start_timeout
                )
            except LearnpathError as exc:
                out.print(f"error: {exc}", markup=False)

        watch_loop(directory, once, lambda m: out.print(m, style="dim", markup=False))
        return
    code = _grade_once(
        out, directory, url, stage, all_stages, as_json, junit, timeout, start_timeout
    )
    if code:
        raise typer.Exit(code)


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
) -> int:
    from learnpath.cli.output import write_text
    from learnpath.grading import project, report, runner

    if url is None:  # learnpath starts the server: it needs the command
        project.require_run(project.read_project(directory), directory)
    renderer = _Live(out)
    result = runner.grade(
        directory,
        url=url,
        stage=stage,
        all_stages=all_stages,
        timeout=timeout,
        start_timeout=start_timeout,
        on_event=renderer,
    )
    if junit is not None:
        write_text(report.junit_xml(result), junit)
    if as_json:
        sys.stdout.write(json.dumps(report.results_json(result), indent=2) + "\n")
        sys.stdout.flush()
    _summary(out, result)
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
    """Renders worker events as they arrive."""

    def __init__(self, out: Console):
        self.out = out
        self.stage: str | None = None
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
        self.line(tag, f"✗ {label}", "bold red")
        self.line(tag, f"  {t['message']}", "red")
        req = t.get("request")
        if req:
            self.line(tag, f"  request:  {req['curl']}")
            self.line(tag, f"  response: {req['response']}")
        for log in t.get("logs") or []:
            self.line("[your_program]", log)
        self.line(tag, f"Stuck? learnpath hint --stage {t['stage']}", "yellow")


def _summary(out: Console, result: GradeResult) -> None:
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
        out.print(
            f"\nStage {failed.stage} failed. Stuck? learnpath hint --stage {failed.stage}",
            style="bold red",
            markup=False,
        )


def _next_stage(out: Console, result: GradeResult) -> None:
    from rich.markdown import Markdown

    from learnpath.grading import project

    ex = project.load_exercise(result.exercise)
    graded = {s.stage for s in result.stages}
    ids = [s.id for s in ex.stages]
    last = max(ids.index(s) for s in graded)
    passed = ", ".join(s.stage for s in result.stages if s.status == "pass")
    out.print(f"\nAll graded stages pass ({passed}).", style="bold green", markup=False)
    not_checked = [s.stage for s in result.stages if s.status == "skip"]
    if not_checked:
        out.print(
            f"Not checked here: {', '.join(not_checked)} (grade without --url to check them).",
            markup=False,
        )
    if last + 1 < len(ids) and len(graded) < len(ids):
        nxt = ex.stages[last + 1]
        out.print(f"\nNext: stage {last + 2}, {nxt.title}\n", style="bold", markup=False)
        out.print(Markdown(nxt.description))
        out.print("Run 'learnpath grade' when you are ready.", markup=False)
    elif last + 1 >= len(ids):
        out.print(f"You have completed {ex.title}.", markup=False)


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
    from learnpath.grading import hints, project, runner

    cfg = project.read_project(directory)
    ex = project.load_exercise(cfg.exercise)
    current = runner.current_stage(ex)
    if current == runner.ALL_DONE:  # every stage passed: hints of the last one
        current = ex.stages[-1].id
    stage_id = stage or current or ex.stages[0].id
    st = ex.stage(stage_id)
    if st is None:
        raise UsageError(
            f"unknown stage '{stage_id}'; stages: {', '.join(s.id for s in ex.stages)}"
        )
    out = console()
    out.print(f"Stage {stage_id}: {st.title}", style="bold", markup=False)
    if not st.hints:
        out.print("This stage has no hints. What the grader checks:\n", markup=False)
        out.print(Markdown(st.description))
        return
    shown, last = hints.reveal(ex, st)
    for i, text in enumerate(shown, 1):
        out.print(f"Hint {i}/{len(st.hints)}: {text}", markup=False)
    if last:
        out.print(
            "\nThat was the last hint. The stage description says what the grader checks:",
            style="dim",
            markup=False,
        )
        out.print(Markdown(st.description))
    else:
        out.print("Run 'learnpath hint' again for the next hint.", style="dim", markup=False)


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
    from learnpath.grading import project

    ex = project.load_exercise(exercise)
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
