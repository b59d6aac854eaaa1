"""Helper of bench_latency.sh: copy a solution (optionally mutated), and summarise grade reports.

python bench/latency_runs.py copy SOLUTION_DIR DEST [MUTANT.yaml]
python bench/latency_runs.py summary LABEL REPORT.json...
"""

import json
import re
import shutil
import statistics
import sys
from pathlib import Path

import yaml

RATIO = re.compile(
    r"(p95|server CPU per request) GET (\S+): ([\d.]+) ms, GET (\S+): ([\d.]+) ms, ratio ([\d.]+)"
)


def copy(src: Path, dest: Path, mutant: Path | None) -> None:
    """A fresh copy of ``src`` (node_modules linked, databases left out), with a mutant's edits."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("node_modules", "*.db", "__pycache__"))
    if (src / "node_modules").is_dir():
        (dest / "node_modules").symlink_to((src / "node_modules").resolve())
    for edit in (yaml.safe_load(mutant.read_text()) if mutant else {}).get("edits", []):
        target = dest / edit["file"]
        text = target.read_text()
        if text.count(edit["find"]) != 1:
            sys.exit(f"{mutant.name}: 'find' does not occur exactly once in {edit['file']}")
        target.write_text(text.replace(edit["find"], edit["replace"]))


def summary(label: str, reports: list[Path]) -> None:
    """Pass count, then per check and measure: the range and median of the ratios."""
    outcomes: list[str] = []
    ratios: dict[str, list[tuple[float, float, float]]] = {}
    failures: dict[str, int] = {}
    for path in reports:
        try:
            report = json.loads(path.read_text())
        except (OSError, ValueError):
            outcomes.append("error")
            continue
        outcomes.append(report.get("status", "error"))
        for test in report.get("tests", []):
            if test["status"] == "fail":
                failures[test["name"]] = failures.get(test["name"], 0) + 1
            for found in RATIO.finditer(test.get("output") or ""):
                kind, _, value, _, base, ratio = found.groups()
                kind = "p95" if kind == "p95" else "CPU/request"
                key = f"{test['name'][5:]} {kind}"
                ratios.setdefault(key, []).append((float(ratio), float(value), float(base)))
    passed = outcomes.count("pass")
    print(f"{label}: {passed}/{len(outcomes)} passed; statuses {sorted(set(outcomes))}")
    for name, count in sorted(failures.items()):
        print(f"  failed {count}x: {name}")
    for name, values in ratios.items():
        r = [v[0] for v in values]
        print(
            f"  {name}: ratio min {min(r):.2f} median {statistics.median(r):.2f} max {max(r):.2f}"
            f"; median {statistics.median(v[1] for v in values):.2f} ms vs baseline "
            f"{statistics.median(v[2] for v in values):.2f} ms (n={len(values)})"
        )


def main() -> None:
    """Dispatch the two subcommands."""
    if len(sys.argv) >= 4 and sys.argv[1] == "copy":
        copy(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]) if len(sys.argv) > 4 else None)
    elif len(sys.argv) >= 3 and sys.argv[1] == "summary":
        summary(sys.argv[2], [Path(p) for p in sys.argv[3:]])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
