"""Start-up time of a run's services: until a learner's server could use them (target for
PostgreSQL: ready in under 2 s), and the time to tear them down again.

    python bench/bench_services.py [RUNS] [SERVICE ...]    (default: 7 runs of postgres)

Each run starts the service(s) with ``start_all`` exactly as grading does (initdb, postgres,
the ``app`` database; the fake's process), then stops them. Prints every run and the median.
"""

from __future__ import annotations

import statistics
import sys
import time

from learnpath.services.registry import start_all


def main(argv: list[str]) -> None:
    runs = int(argv[0]) if argv else 7
    names = argv[1:] or ["postgres"]
    starts: list[float] = []
    stops: list[float] = []
    for i in range(runs):
        t0 = time.perf_counter()
        with start_all(names, app_url="http://127.0.0.1:9"):
            t1 = time.perf_counter()
        t2 = time.perf_counter()
        starts.append(t1 - t0)
        stops.append(t2 - t1)
        print(f"run {i + 1}: ready in {t1 - t0:.3f} s, stopped in {t2 - t1:.3f} s")
    print(
        f"{'+'.join(names)}: median ready {statistics.median(starts):.3f} s, "
        f"median teardown {statistics.median(stops):.3f} s ({runs} runs)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
