#!/usr/bin/env bash
# How reliably the concurrency stage of ecommerce-api catches a check-then-write checkout, and
# how reliably the FastAPI reference passes it (the race is timing-dependent, so once is not proof).
#
#   bench/bench_concurrency.sh [N]        (N gradings of each, default 20)
#
# Grades a throwaway copy of the reference with the mutant's edits applied
# (exercises/ecommerce-api/mutants/concurrency-check-then-write.yaml, or $MUTANT) and a clean
# copy, each with `learnpath grade DIR --stage concurrency`, N times. Prints
# "mutant caught k/N, reference passed m/N". Gradings that could not run (exit 2) count as
# neither and are reported apart.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-20}"
SRC="$ROOT/exercises/ecommerce-api/solutions/fastapi"
MUTANT="${MUTANT:-$ROOT/exercises/ecommerce-api/mutants/concurrency-check-then-write.yaml}"
LEARNPATH="$ROOT/.venv/bin/learnpath"
[ -f "$MUTANT" ] || { echo "no mutant file: $MUTANT" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export LEARNPATH_HOME="$WORK/home" NO_COLOR=1

# The server's dependencies in a venv of their own, first on PATH: the run command is `python -m
# uvicorn ...`, so grading starts the server with this venv's python.
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r "$SRC/requirements.txt" >"$WORK/pip.log" 2>&1 || { cat "$WORK/pip.log" >&2; exit 1; }
export PATH="$WORK/venv/bin:$PATH"

copy() {
  mkdir -p "$2"
  (cd "$1" && tar --exclude=.venv --exclude=__pycache__ --exclude=node_modules -cf - .) \
    | (cd "$2" && tar -xf -)
}
copy "$SRC" "$WORK/reference"
copy "$SRC" "$WORK/mutant"
# Apply the mutant's edits exactly as `learnpath check` does (each 'find' occurs once).
"$ROOT/.venv/bin/python" - "$MUTANT" "$WORK/mutant" <<'PY'
import sys
from pathlib import Path

import yaml

mutant, where = yaml.safe_load(Path(sys.argv[1]).read_text()), Path(sys.argv[2])
for edit in mutant["edits"]:
    target = where / edit["file"]
    text = target.read_text(encoding="utf-8")
    if text.count(edit["find"]) != 1:
        sys.exit(f"{edit['file']}: the mutant's 'find' does not occur exactly once")
    target.write_text(text.replace(edit["find"], edit["replace"], 1), encoding="utf-8")
PY

# run DIR: grade the concurrency stage once; echoes pass | fail | error.
run() {
  local code=0
  "$LEARNPATH" grade "$1" --stage concurrency >"$WORK/last.log" 2>&1 || code=$?
  case "$code" in
    0) echo pass ;;
    1) echo fail ;;
    *) echo error; sed -n '1,5p' "$WORK/last.log" >&2 ;;
  esac
}

caught=0 passed=0 errors=0
for i in $(seq 1 "$N"); do
  m="$(run "$WORK/mutant")"
  r="$(run "$WORK/reference")"
  [ "$m" = fail ] && caught=$((caught + 1))
  [ "$r" = pass ] && passed=$((passed + 1))
  [ "$m" = error ] && errors=$((errors + 1))
  [ "$r" = error ] && errors=$((errors + 1))
  echo "run $i/$N: mutant $m, reference $r"
done
echo "mutant caught $caught/$N, reference passed $passed/$N"
[ "$errors" -eq 0 ] || echo "($errors gradings could not run)"
