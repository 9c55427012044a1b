#!/usr/bin/env bash
# The main job. On a fresh machine with Python 3.11 it creates .venv and installs jdrl (first time:
# several minutes), then regenerates the figures in results/ from the embedded default data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/setup_env.sh
export MPLBACKEND=Agg
.venv/bin/jdrl demo --out results
