#!/usr/bin/env bash
# The test command. On a fresh machine with Python 3.11 it creates .venv, installs jdrl with its
# requirements (settings.ini), then runs every notebook's tests, the pipelines at the smoke profile
# and tests/*.py. Its last line counts what ran: "tests: N passed, N failed, N skipped".
# Extra arguments go to pytest (e.g. `bash tests/run.sh -k kernels`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/setup_env.sh
export MPLBACKEND=Agg PYTHONHASHSEED=0 OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
report=$(mktemp -t jdrl-junit.XXXXXX.xml)
workers=${JDRL_TEST_WORKERS:-2}
set +e
.venv/bin/python -m pytest tests -n "$workers" -p no:cacheprovider -rfEs --junitxml="$report" "$@"
status=$?
set -e
.venv/bin/python - "$report" <<'PY'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
s = r if r.tag == "testsuite" else r.find("testsuite")
n, f, e, k = (int(s.get(a, 0)) for a in ("tests", "failures", "errors", "skipped"))
print(f"tests: {n - f - e - k} passed, {f + e} failed, {k} skipped")
PY
rm -f "$report"
# pytest exits 5 when nothing was collected: that is a failure here, not a pass.
exit $status
