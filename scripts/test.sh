#!/usr/bin/env bash
# The test command: installs everything, then lint, type checks and the whole test suite under
# branch coverage, whose floor (fail_under in pyproject.toml) it enforces. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== ruff"; .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "== mypy --strict (dynclient, tests, tools, bench)"; .venv/bin/mypy
echo "== pytest, under branch coverage of dynclient/"
.venv/bin/python -m coverage erase
status=0
.venv/bin/python -m coverage run -m pytest "$@" || status=$?
echo "== branch coverage (the floor: fail_under in pyproject.toml; a run of part of the suite falls below it)"
if ! .venv/bin/python -m coverage report && [ "$status" = 0 ]; then
  status=2
fi
exit "$status"
