#!/usr/bin/env bash
# Create .venv (once) and install jdrl in editable mode with its requirements from settings.ini.
# Re-installs only when settings.ini or setup.py changed. PYTHON picks the interpreter (default python3.11).
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-$(command -v python3.11 || command -v python3)}
[ -x .venv/bin/python ] || "$py" -m venv .venv
stamp=.venv/.jdrl-installed
want=$(cat settings.ini setup.py | sha256sum | cut -c1-64)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "installing jdrl and its requirements into .venv (first time: several minutes, torch is large)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev]"
  echo "$want" > "$stamp"
fi
