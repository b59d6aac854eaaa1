#!/usr/bin/env bash
# Benchmarks of the progress store on a large history (100,000 events over 5 years).
#
#   bench/bench_progress.sh            # needs hyperfine (apt-get install hyperfine)
#
# Targets (median): `learning-path backend --no-input` <= 200 ms,
# `learnpath progress --format json` <= 250 ms. Results: bench/results/progress.{md,json}.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
command -v hyperfine >/dev/null || { echo "hyperfine is required (apt-get install hyperfine)" >&2; exit 2; }

export LEARNPATH_HOME
LEARNPATH_HOME=$(mktemp -d)
trap 'rm -rf "$LEARNPATH_HOME"' EXIT
"$BIN/python" bench/gen_progress.py --events "${EVENTS:-100000}" --years 5
# An installed learnpath has its bytecode compiled (pip does it); a checkout run with
# PYTHONDONTWRITEBYTECODE=1 would otherwise recompile every module on every run.
"$BIN/python" -m compileall -q learnpath >/dev/null
# Warm the curriculum cache once, outside the measurements.
"$BIN/learning-path" backend --no-input >/dev/null

mkdir -p bench/results
hyperfine -N --warmup 3 --runs "${RUNS:-30}" \
  --export-markdown bench/results/progress.md --export-json bench/results/progress.json \
  -n "learning-path backend --no-input" "$BIN/learning-path backend --no-input" \
  -n "learnpath progress --format json" "$BIN/learnpath progress --format json"

"$BIN/python" - <<'PY'
import json, sys
limits = {"learning-path backend --no-input": 0.200, "learnpath progress --format json": 0.250}
failed = False
for r in json.load(open("bench/results/progress.json"))["results"]:
    median, limit = r["median"], limits[r["command"]]
    ok = median <= limit
    failed |= not ok
    print(f"{'ok  ' if ok else 'SLOW'} {r['command']}: median {median * 1000:.0f} ms "
          f"(limit {limit * 1000:.0f} ms)")
sys.exit(1 if failed else 0)
PY
