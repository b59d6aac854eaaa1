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
    from learnpath.grading import report, runner

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
    glyph = {"pass": ("✓", "green"), "fail": ("✗", "red"), "skipped": ("·", "dim")}
    first_failed = next((s.stage for s in result.stages if s.status == "fail"), None)
    out.print()
    for st in result.stages:
        g, style = glyph.get(st.status, ("?", ""))
        t = Text(f"{g} {st.stage}", style=style)
        if st.status == "skipped":
            t.append(f"  {st.title}  not run: stage {first_failed} failed first", style="dim")
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
    out.print(
        f"\nAll graded stages pass ({', '.join(s.stage for s in result.stages)}).",
        style="bold green",
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
) -> None:
    """For instructors: prove the graders honest (solutions pass, starters and mutants fail)."""
    from rich.text import Text

    from learnpath.cli.output import console
    from learnpath.grading import mutants as mut
    from learnpath.grading import project

    ex = project.load_exercise(exercise)
    out = console()
    lock = threading.Lock()

    def show(item: mut.CheckItem) -> None:
        t = Text("ok   " if item.ok else "FAIL ", style="green" if item.ok else "bold red")
        t.append(f"{item.kind} {item.name}: {item.required}")
        t.append(f" ({item.seconds:.1f} s) — {item.detail}", style="dim")
        with lock:
            out.print(t, soft_wrap=True)

    items = mut.check_exercise(ex, mutants_dir=mutants, jobs=jobs, on_item=show)
    bad = [i for i in items if not i.ok]
    out.print(f"\n{len(items) - len(bad)}/{len(items)} proofs hold for {ex.id}.", markup=False)
    if bad:
        raise typer.Exit(1)
