"""Full grade time of each exercise graded from files, with its reference solution (targets: a
weekly exercise grades in under 60 s on an idle 2-core machine, the large query-tuning database
included), and the start-up of one durable PostgreSQL cluster as DBA graders start it.

    python bench/bench_files_grading.py [RUNS] [EXERCISE ...]    (default: 1 run of each ready one)

Each run copies the reference solution (dependencies installed as ``learnpath check`` installs
them), grades every stage with ``learnpath grade --all`` semantics, and prints the wall time, the
services' start-up and the slowest stage.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from learnpath.content import exercises
from learnpath.grading.mutants import _copy
from learnpath.grading.proof_envs import Environments, dependency_files, spec_for
from learnpath.grading.runner import grade
from learnpath.services.postgres import Cluster


def cluster_startup(runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        with Cluster("bench"):
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def grade_reference(exercise_id: str, envs: Environments, root: Path) -> tuple[float, str]:
    ex = exercises.get(exercise_id)
    stack, src = next(iter(exercises.solutions(ex).items()))
    sd = ex.stacks[stack]
    where = Path(tempfile.mkdtemp(dir=root)) / "project"
    _copy(src, where)
    spec = spec_for(sd.language or "", sd.install, dependency_files(src), proof=f"bench-{stack}")
    envs.prepare(spec, where)
    t0 = time.perf_counter()
    result = grade(where, all_stages=True, environ=envs.server_vars(spec))
    seconds = time.perf_counter() - t0
    slowest = max(result.stages, key=lambda s: s.duration)
    note = f"{result.status}; slowest stage {slowest.stage} {slowest.duration:.1f} s"
    return seconds, note


def main(argv: list[str]) -> None:
    runs = int(argv[0]) if argv else 1
    ids = argv[1:] or [
        e.id for e in exercises.load_all().values() if e.kind == "files" and e.status == "ready"
    ]
    print(f"durable PostgreSQL cluster ready: median {cluster_startup():.2f} s (5 runs)")
    with tempfile.TemporaryDirectory(prefix="learnpath-bench-") as tmp:
        envs = Environments(Path(tmp) / "envs")
        for exercise_id in ids:
            times = []
            for _ in range(runs):
                seconds, note = grade_reference(exercise_id, envs, Path(tmp))
                times.append(seconds)
                print(f"  {exercise_id}: {seconds:.1f} s ({note})")
            median = statistics.median(times)
            print(f"{exercise_id}: median full grade {median:.1f} s ({runs} runs)")


if __name__ == "__main__":
    main(sys.argv[1:])
