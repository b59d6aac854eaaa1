#!/usr/bin/env bash
# Speed of the grading engine (issue section 7). Prints medians; writes JSON to bench/results/.
#
#   bench/bench_grading.sh [RUNS] [REALWORLD_CHECKOUT]
#
# 1. `learnpath grade --all` of the Blog API FastAPI reference, server start included (<= 5 s).
# 2. Our overhead on an already running server: `learnpath grade --all --url` against
#    `pytest -p learnpath.grading.pytest_plugin graders/blog-api` on the same server (<= 1.25x).
# 3. Optional: the official RealWorld/Bruno suite (scripts/realworld-suite.sh) on the same server.
# 4. Flakiness: 20 gradings in a row must all pass.
# Falls back to the fixture exercise (tests/fixtures/content, mini-api) when the Blog API
# reference is missing, and says so.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${1:-10}"
REALWORLD="${2:-}"
export PATH="$ROOT/.venv/bin:$PATH"
export LEARNPATH_HOME="$(mktemp -d)"
command -v hyperfine >/dev/null || { echo "hyperfine is required: apt-get install -y hyperfine" >&2; exit 1; }
OUT="$ROOT/bench/results"
mkdir -p "$OUT"
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill -- -"$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK" "$LEARNPATH_HOME"
}
trap cleanup EXIT

if [ -d "$ROOT/exercises/blog-api/solutions/fastapi" ] && [ -d "$ROOT/graders/blog-api" ]; then
  EXERCISE=blog-api; SRC="$ROOT/exercises/blog-api/solutions/fastapi"; GRADERS="$ROOT/graders/blog-api"
else
  echo "NOTE: Blog API reference not found; benchmarking the fixture exercise mini-api" >&2
  export LEARNPATH_CONTENT="$ROOT/tests/fixtures/content"
  EXERCISE=mini-api; SRC="$LEARNPATH_CONTENT/exercises/mini-api/solutions/python"
  GRADERS="$LEARNPATH_CONTENT/graders/mini-api"
fi
cp -r "$SRC" "$WORK/project"
rm -rf "$WORK/project/node_modules" "$WORK/project"/*.db
cd "$WORK/project"

echo "== 1. learnpath grade --all ($EXERCISE reference, server start included)"
hyperfine --runs "$RUNS" --warmup 1 --prepare 'rm -f *.db' \
  --export-json "$OUT/grade_all.json" 'learnpath grade --all'

echo "== 2. overhead on a running server"
PORT=$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
RUN=$(python -c 'import yaml,sys; print(yaml.safe_load(open("learnpath.yml"))["run"])')
DB=$(python -c 'import yaml; print(yaml.safe_load(open("learnpath.yml")).get("database") or "")')
PORT=$PORT HOST=127.0.0.1 DATABASE_PATH="$WORK/project/${DB:-x.db}" setsid bash -c "$RUN" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
URL="http://127.0.0.1:$PORT"
export LEARNPATH_GRADE_URL="$URL" LEARNPATH_GRADE_EXERCISE="$EXERCISE" PYTEST_DISABLE_PLUGIN_AUTOLOAD=1
# the server-restart checks cannot run against --url; both sides skip the same stages
SKIP=""
[ "$EXERCISE" = blog-api ] && SKIP="not persistence"
hyperfine --runs "$RUNS" --warmup 1 --export-json "$OUT/overhead.json" \
  -n learnpath "learnpath grade --url $URL --all >/dev/null 2>&1 || true" \
  -n pytest "python -m pytest -q -p no:cacheprovider -p learnpath.grading.pytest_plugin -c /dev/null --rootdir $GRADERS --import-mode=importlib ${SKIP:+-m '$SKIP'} $GRADERS >/dev/null 2>&1 || true"

if [ -n "$REALWORLD" ] && [ -x "$ROOT/scripts/realworld-suite.sh" ]; then
  echo "== 3. the official RealWorld suite on the same server"
  hyperfine --runs 3 --export-json "$OUT/realworld.json" \
    -n realworld "$ROOT/scripts/realworld-suite.sh --realworld $REALWORLD --url $URL >/dev/null 2>&1" \
    -n learnpath "learnpath grade --url $URL --all >/dev/null 2>&1 || true"
fi

echo "== 4. flakiness: 20 full gradings in a row (server started by learnpath each time)"
unset LEARNPATH_GRADE_URL
fails=0
for i in $(seq 20); do learnpath grade --all >/dev/null 2>&1 || fails=$((fails+1)); done
echo "failed runs: $fails / 20"

python - "$OUT" <<'PY'
import json, sys, pathlib
out = pathlib.Path(sys.argv[1])
def med(f): return {r["command"]: r["median"] for r in json.loads((out / f).read_text())["results"]}
g = med("grade_all.json"); o = med("overhead.json")
print(f"grade --all median: {list(g.values())[0]:.2f} s (target <= 5 s)")
print(f"overhead: learnpath {o['learnpath']:.2f} s vs pytest {o['pytest']:.2f} s = {o['learnpath']/o['pytest']:.2f}x (target <= 1.25x)")
if (out / "realworld.json").exists():
    r = med("realworld.json")
    print(f"official suite (Bruno) {r['realworld']:.2f} s vs learnpath {r['learnpath']:.2f} s "
          f"on the same server: learnpath takes {r['learnpath']/r['realworld']:.2f}x the time")
PY
