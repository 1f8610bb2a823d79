#!/usr/bin/env bash
# The main job: the eleven core operations through dynclient, with state carried from step to
# step, against the in-process fake of the API (dynclient.testing.FakeAPI): needs nothing but pip.
#   bash scripts/demo.sh                          # the in-process fake
#   bash scripts/demo.sh --prism [--dynamic] [--seed SEED]   # Stoplight Prism on 127.0.0.1 (installs npm packages)
# Setup output goes to stderr, so stdout is the demo alone.
set -euo pipefail
cd "$(dirname "$0")/.."
setup=(--no-node)
for arg in "$@"; do
  [ "$arg" = "--prism" ] && setup=()
done
bash scripts/setup.sh "${setup[@]+"${setup[@]}"}" >&2
exec .venv/bin/python -m tools.demo "$@"
