#!/usr/bin/env bash
# Installs everything dynclient's demo and tests need, into .venv/ and node_modules/.
# Idempotent: re-running skips what is already up to date.
#   bash scripts/setup.sh              # Python packages and Node (Stoplight Prism, for the tests)
#   bash scripts/setup.sh --no-node    # Python packages only (the default demo needs nothing else)
set -euo pipefail
cd "$(dirname "$0")/.."
node=1
for arg in "$@"; do
  case "$arg" in
    --no-node) node=0 ;;
    *) echo "setup: unknown option $arg" >&2; exit 2 ;;
  esac
done
PY=${PYTHON:-python3}
if ! command -v "$PY" >/dev/null || ! "$PY" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  echo "setup: Python >= 3.11 is required (set PYTHON=...)" >&2; exit 1
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.dynclient-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
  touch "$stamp"
fi
[ "$node" = 1 ] || exit 0
if ! command -v npm >/dev/null; then
  echo "setup: npm not found; installing Debian's nodejs and npm" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq nodejs npm >/dev/null; fi
fi
nstamp=node_modules/.dynclient-installed
if [ ! -f "$nstamp" ] || [ package-lock.json -nt "$nstamp" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch "$nstamp"
fi
