#!/usr/bin/env bash
# Set up a virtualenv with everything the test suite needs, then run it (lint, types, tests).
# Works on a fresh machine with only Python 3.11+ and git. `.ci/run` calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e '.[test]' -r fixtures/requirements.txt
export PATH="$PWD/$VENV/bin:$PATH"
ruff check src codemods tests benchmarks
ruff format --check src codemods tests benchmarks
scripts/typecheck.sh
python -m pytest "$@"
