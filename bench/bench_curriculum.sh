#!/usr/bin/env bash
# Curriculum speed: cold start of `explore-roadmap backend` and `learnpath --help` (targets:
# <= 150 ms and <= 100 ms median), and loading a generated 2,000-module instructor corpus (first
# validate+load <= 1.5 s, repeated load <= 0.3 s).
#
# usage: bench/bench_curriculum.sh        (needs hyperfine: apt-get install hyperfine)
#
# It installs learnpath as a learner would (non-editable, no dev extras) into a throwaway venv,
# so the numbers are those of a real install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v hyperfine >/dev/null || { echo "hyperfine is needed: apt-get install hyperfine" >&2; exit 1; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$ROOT"
B="$WORK/venv/bin"
export LEARNPATH_HOME="$WORK/home" NO_COLOR=1
unset LEARNPATH_PATH

echo "== startup (the curriculum cache is built by the first run, as on a learner's machine)"
"$B/explore-roadmap" backend >/dev/null
hyperfine -N --warmup 5 --runs 40 --export-json "$WORK/startup.json" \
  "$B/explore-roadmap backend" "$B/learnpath --help"

echo "== a 2,000-module instructor corpus"
"$B/python" "$ROOT/bench/gen_corpus.py" "$WORK/corpus" 2000
export LEARNPATH_PATH="$WORK/corpus"
hyperfine -N --warmup 1 --runs 10 --export-json "$WORK/cold.json" \
  "$B/python $ROOT/bench/load_corpus.py --cold"
"$B/python" "$ROOT/bench/load_corpus.py"  # fills the cache
hyperfine -N --warmup 2 --runs 20 --export-json "$WORK/warm.json" \
  "$B/python $ROOT/bench/load_corpus.py"

echo "== medians"
"$B/python" - "$WORK" <<'PY'
import json, statistics, sys
work = sys.argv[1]
for name in ("startup", "cold", "warm"):
    for r in json.load(open(f"{work}/{name}.json"))["results"]:
        cmd = r["command"].split("/")[-1]
        print(f"{name:8} {statistics.median(r['times']) * 1000:7.1f} ms  {cmd}")
PY
