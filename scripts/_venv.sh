# Shared by scripts/run and scripts/test: create .venv on first use and (re)install the project
# when pyproject.toml changes. Sourced, not executed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LEARNPATH_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"

ensure_venv() {  # ensure_venv EXTRAS  (e.g. "" or "[dev]")
  local extras="$1"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "learnpath: creating a virtual environment in $VENV" >&2
    "$PY" -m venv "$VENV" || {
      echo "learnpath: could not create a venv; on Debian/Ubuntu run: apt-get install python3-venv" >&2
      exit 1
    }
  fi
  local stamp="$VENV/.learnpath-installed$extras"
  if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    echo "learnpath: installing learnpath$extras into $VENV (first use only)" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT$extras" >&2
    touch "$stamp"
  fi
}
