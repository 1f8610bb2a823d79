#!/usr/bin/env bash
# The test command: installs everything, then lint, type checks and the whole test suite under
# branch coverage, whose floor (fail_under in pyproject.toml) it enforces.
#
# The whole suite runs as two pytest processes at once (the peer, fake and property suites;
# everything else, about as long), each under coverage, their data combined before the report: on 2
# cores that halves the wall time. Arguments go to pytest, and then one process runs just what
# they select (a partial run falls below the coverage floor and says so).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== ruff"; .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "== mypy --strict (dynclient, tests, tools, bench)"; .venv/bin/mypy
echo "== pytest, under branch coverage of dynclient/"
.venv/bin/python -m coverage erase
# shellcheck disable=SC2054
# the peer suites with every test that feeds their counts (the fake's answers judged by
# openapi-core), so the counts printed at the end are whole
GROUP_A=(tests/peers tests/test_fake_*.py tests/test_property_*.py)
status=0
if [ "$#" -gt 0 ]; then
  .venv/bin/python -m coverage run --parallel-mode -m pytest "$@" || status=$?
else
  logs="$(mktemp -d)"
  ignore=()
  for path in "${GROUP_A[@]}"; do ignore+=("--ignore=$path"); done
  .venv/bin/python -m coverage run --parallel-mode -m pytest -p no:cacheprovider "${GROUP_A[@]}" >"$logs/a" 2>&1 &
  pid_a=$!
  .venv/bin/python -m coverage run --parallel-mode -m pytest -p no:cacheprovider tests "${ignore[@]}" >"$logs/b" 2>&1 &
  pid_b=$!
  wait "$pid_a" || status_a=$?
  wait "$pid_b" || status_b=$?
  echo "-- pytest: peers, the fake, properties"; cat "$logs/a"
  echo "-- pytest: everything else"; cat "$logs/b"
  rm -rf "$logs"
  status_a=${status_a:-0}; status_b=${status_b:-0}
  # any failure fails the run; pytest's 5 (no tests collected) is a failure too
  if [ "$status_a" != 0 ]; then status=$status_a; elif [ "$status_b" != 0 ]; then status=$status_b; fi
fi
.venv/bin/python -m coverage combine --quiet
echo "== branch coverage (the floor: fail_under in pyproject.toml; a run of part of the suite falls below it)"
if ! .venv/bin/python -m coverage report && [ "$status" = 0 ]; then
  status=2
fi
exit "$status"
