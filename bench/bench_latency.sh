#!/usr/bin/env bash
# The Blog API latency stage on one busy CPU (issue section 3): a correct reference must pass it
# every time, the slow mutants must fail it.
#
#   bench/bench_latency.sh [RUNS] [--express]
#
# What is pinned: `learnpath grade` runs under `taskset -c 0`, so the learner's server it starts
# and its own load generator both inherit CPU 0, and HOGS busy loops (default 6) are pinned to
# CPU 0 too. Each busy loop starts in its own session (setsid): Linux's autogroup scheduling
# shares a CPU between sessions first, so loops in this script's session would barely slow the
# server down. The busy loops end with the script (trap) or after an hour at most.
#
# For the FastAPI reference (and the Express one with --express), then for each latency mutant:
# RUNS gradings of `--stage latency --json` (default 20; MUTANT_RUNS for the mutants, default
# RUNS), the pass count and the measured ratios. Reports stay in bench/results/latency/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${1:-20}"
EXPRESS="${2:-}"
MUTANT_RUNS="${MUTANT_RUNS:-$RUNS}"
HOGS="${HOGS:-6}"
export PATH="$ROOT/.venv/bin:$PATH"
export LEARNPATH_HOME="$(mktemp -d)"
EXERCISE="$ROOT/exercises/blog-api"
OUT="$ROOT/bench/results/latency"
WORK="$(mktemp -d)"
HOG_PIDS=()
cleanup() {
  for pid in "${HOG_PIDS[@]}"; do kill -- -"$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK" "$LEARNPATH_HOME"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
command -v taskset >/dev/null || { echo "taskset is required (util-linux)" >&2; exit 1; }
rm -rf "$OUT"
mkdir -p "$OUT"

for _ in $(seq "$HOGS"); do
  setsid taskset -c 0 timeout 3600 sh -c 'while :; do :; done' &
  HOG_PIDS+=("$!")
done
echo "== $HOGS busy loops on CPU 0, each in its own session: ${HOG_PIDS[*]}"

# grade_runs LABEL SOLUTION N [MUTANT.yaml]: N gradings of a fresh copy, then the summary.
grade_runs() {
  local label="$1" solution="$2" n="$3" mutant="${4:-}"
  python "$ROOT/bench/latency_runs.py" copy "$EXERCISE/solutions/$solution" "$WORK/$label" $mutant
  mkdir -p "$OUT/$label"
  for i in $(seq "$n"); do
    taskset -c 0 timeout 300 learnpath grade "$WORK/$label" --stage latency --json \
      >"$OUT/$label/$i.json" 2>/dev/null || true
  done
  python "$ROOT/bench/latency_runs.py" summary "$label" "$OUT/$label"/*.json
}

grade_runs fastapi-reference fastapi "$RUNS"
[ "$EXPRESS" = --express ] && grade_runs express-reference express "$RUNS"
for mutant in "$EXERCISE"/mutants/latency-*.yaml; do
  solution=$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["solution"])' "$mutant")
  [ "$solution" = express ] && [ "$EXPRESS" != --express ] && continue
  grade_runs "$(basename "$mutant" .yaml)" "$solution" "$MUTANT_RUNS" "$mutant"
done
