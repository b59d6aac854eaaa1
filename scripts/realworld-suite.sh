#!/usr/bin/env bash
# Run the official RealWorld API test suite (its Bruno collection) against a
# Conduit server: one that is already running, or one of this repository's
# reference solutions of the blog-api exercise, started here for the run.
#
# Usage:
#   scripts/realworld-suite.sh --realworld DIR --url http://127.0.0.1:PORT
#   scripts/realworld-suite.sh --realworld DIR --solution fastapi|express
#
#   --realworld DIR   a checkout of the RealWorld repository (it must contain
#                     specs/api/bruno)
#   --url URL         origin of a running server, WITHOUT /api (the suite
#                     requests {{host}}/api/...)
#   --solution NAME   copy exercises/blog-api/solutions/NAME to a temporary
#                     folder, run the `install:` command of its learnpath.yml
#                     (Python solutions get a fresh virtualenv first, made with
#                     $PYTHON, default python3), start its `run:` command on a
#                     free 127.0.0.1 port with a fresh DATABASE_PATH, and stop
#                     it at the end
#   --folder NAME     run only this Bruno folder (repeatable); default: all
#
# Needs bash, node and npm. The Bruno CLI (@usebruno/cli@4.1.0) is installed
# with npm on first use into ${XDG_CACHE_HOME:-$HOME/.cache}/learnpath/bru.
#
# Every folder is run with `bru run FOLDER --env local --env-var host=URL
# --sandbox safe`, like the suite's own run-api-tests-bruno.sh. Usernames and
# e-mails carry a fresh unique id on every run, so the suite can be repeated
# against the same database. Prints one line per folder and a final
# `N passed, M failed` line (counting folders); exits 1 if any folder failed,
# 2 on a usage or setup error.

set -euo pipefail

readonly BRU_VERSION="4.1.0"
readonly STARTUP_TIMEOUT=60
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO_ROOT

realworld=""
url=""
solution=""
folders=()

usage() {
  sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

die() {
  echo "realworld-suite: $*" >&2
  exit 2
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --realworld) realworld="${2:?--realworld needs a directory}"; shift 2 ;;
    --url) url="${2:?--url needs a URL}"; shift 2 ;;
    --solution) solution="${2:?--solution needs a name}"; shift 2 ;;
    --folder) folders+=("${2:?--folder needs a name}"); shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

[[ -n "$realworld" ]] || { usage >&2; die "--realworld is required"; }
bruno_dir="$realworld/specs/api/bruno"
[[ -d "$bruno_dir" ]] || die "$bruno_dir not found: --realworld must be a RealWorld checkout"
bruno_dir="$(cd "$bruno_dir" && pwd)"
if [[ -n "$url" && -n "$solution" ]] || [[ -z "$url" && -z "$solution" ]]; then
  usage >&2
  die "give exactly one of --url and --solution"
fi
command -v node >/dev/null || die "node is required"
command -v npm >/dev/null || die "npm is required"

# ---------------------------------------------------------------- Bruno CLI

bru_home="${XDG_CACHE_HOME:-$HOME/.cache}/learnpath/bru"
bru="$bru_home/node_modules/.bin/bru"
if [[ ! -x "$bru" ]] || [[ "$("$bru" --version 2>/dev/null)" != "$BRU_VERSION" ]]; then
  echo "Installing @usebruno/cli@$BRU_VERSION into $bru_home ..."
  mkdir -p "$bru_home"
  npm install --prefix "$bru_home" --no-audit --no-fund --loglevel=error \
    "@usebruno/cli@$BRU_VERSION" >/dev/null
fi

# ---------------------------------------------------------------- work dir and cleanup

work="$(mktemp -d "${TMPDIR:-/tmp}/realworld-suite.XXXXXX")"
server_pid=""

cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    # The server runs in its own process group: stop it and anything it spawned.
    kill -TERM -- "-$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- start a reference solution

yaml_value() { # yaml_value FILE KEY: the value of a top-level `KEY: value` line
  sed -n "s/^$2:[[:space:]]*//p" "$1" | head -n 1 | sed 's/[[:space:]]*$//'
}

free_port() {
  node -e 'const s = require("net").createServer();
s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start_solution() {
  local source="$REPO_ROOT/exercises/blog-api/solutions/$solution"
  [[ -f "$source/learnpath.yml" ]] || die "no solution '$solution' (looked for $source/learnpath.yml)"

  local app="$work/app"
  mkdir -p "$app"
  # Copy the sources only: no local database, dependencies or caches.
  tar -C "$source" -cf - --exclude=node_modules --exclude=.venv --exclude=__pycache__ \
    --exclude='*.db' --exclude='*.db-*' . | tar -C "$app" -xf -

  local install run
  install="$(yaml_value "$app/learnpath.yml" install)"
  run="$(yaml_value "$app/learnpath.yml" run)"
  [[ -n "$run" ]] || die "$solution/learnpath.yml has no run: command"

  if [[ -f "$app/requirements.txt" ]]; then
    echo "Creating a virtualenv for $solution ..."
    "${PYTHON:-python3}" -m venv "$work/venv"
    export PATH="$work/venv/bin:$PATH"
  fi
  if [[ -n "$install" ]]; then
    echo "Installing $solution: $install"
    (cd "$app" && bash -c "$install") >"$work/install.log" 2>&1 || {
      tail -n 30 "$work/install.log" >&2
      die "install command failed"
    }
  fi

  local port
  port="$(free_port)"
  echo "Starting $solution on 127.0.0.1:$port: $run"
  set -m # a background job gets its own process group, so cleanup can stop all of it
  (cd "$app" && PORT="$port" DATABASE_PATH="$work/conduit.db" exec bash -c "exec $run") \
    >"$work/server.log" 2>&1 &
  server_pid=$!
  set +m

  local waited=0
  until port_open "$port"; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      tail -n 30 "$work/server.log" >&2
      die "$solution exited during start-up"
    fi
    if ((waited >= STARTUP_TIMEOUT * 10)); then
      tail -n 30 "$work/server.log" >&2
      die "$solution did not listen on port $port within ${STARTUP_TIMEOUT}s"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  url="http://127.0.0.1:$port"
}

if [[ -n "$solution" ]]; then
  start_solution
fi
url="${url%/}"

# ---------------------------------------------------------------- run the folders

if [[ ${#folders[@]} -eq 0 ]]; then
  for entry in "$bruno_dir"/*/; do
    name="$(basename "$entry")"
    [[ "$name" == "environments" ]] || folders+=("$name")
  done
fi

# Summarise a Bruno JSON report: "passed/total requests", then one line per failure.
summarise() {
  node - "$1" <<'EOF'
const [iteration] = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
const s = iteration.summary;
console.log(`${s.passedRequests}/${s.totalRequests} requests`);
for (const r of iteration.results) {
  const checks = ["assertionResults", "testResults", "preRequestTestResults", "postResponseTestResults"];
  const failed = checks.flatMap((key) => r[key] || []).filter((c) => c.status !== "pass")
    .map((c) => c.error || `${c.lhsExpr} ${c.rhsExpr}`);
  if (r.status !== "pass" || r.error || failed.length) {
    console.log(`    ${r.path}: ${[r.error, ...failed].filter(Boolean).join("; ") || r.status}`);
  }
}
EOF
}

echo "Running the RealWorld Bruno suite against $url"
passed=0
failed=0
for folder in "${folders[@]}"; do
  report="$work/$folder.json"
  rc=0
  (cd "$bruno_dir" && "$bru" run "$folder" --env local --env-var "host=$url" --sandbox safe \
    --reporter-json "$report") >"$work/$folder.log" 2>&1 || rc=$?
  if [[ -s "$report" ]]; then
    details="$(summarise "$report")"
  else
    details="no report; last output:"$'\n'"$(tail -n 5 "$work/$folder.log")"
    [[ $rc -ne 0 ]] || rc=1
  fi
  if [[ $rc -eq 0 ]]; then
    passed=$((passed + 1))
    printf 'PASS  %-22s %s\n' "$folder" "$details"
  else
    failed=$((failed + 1))
    printf 'FAIL  %-22s %s\n' "$folder" "$details"
  fi
done

if [[ $failed -gt 0 && -n "$solution" ]]; then
  echo "--- last lines of the server log ---"
  tail -n 20 "$work/server.log"
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
