#!/usr/bin/env bash
# The main job: install what is needed, start Stoplight Prism on 127.0.0.1 for the bundled
# spec, run the eleven core operations through dynclient, print each exchange, stop Prism.
#   bash scripts/demo.sh [--dynamic] [--seed SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m tools.demo "$@"
