#!/usr/bin/env bash
# Try djrefactor on a bundled legacy project without touching this checkout:
# installs the tool in a virtualenv, copies fixtures/<name> to a temporary git repository,
# shows the plan, applies it on a new branch and runs the project's own tests there.
# Usage: scripts/try-fixture.sh [clinic|shopfront|helpdesk]   (works with only Python 3.11+ and git)
set -euo pipefail
cd "$(dirname "$0")/.."
NAME="${1:-clinic}"
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
[ -f "fixtures/$NAME/manage.py" ] || { echo "error: no fixture named $NAME (see fixtures/)" >&2; exit 2; }
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e . -r fixtures/requirements.txt
export PATH="$PWD/$VENV/bin:$PATH"
WORK="$(mktemp -d)/$NAME"
cp -r "fixtures/$NAME" "$WORK"
cd "$WORK"
git init -q -b main
git config user.name "djrefactor demo"
git config user.email "demo@example.com"
git add -A
git commit -q -m "legacy project"
echo "== djrefactor plan (in $WORK) =="
djrefactor plan .
echo "== djrefactor apply =="
djrefactor apply .
git log --oneline main..HEAD
echo "== the project's own tests, on the restructured branch =="
if [ -f pytest.ini ] || grep -qs "tool.pytest" pyproject.toml; then
  python -m pytest -q -p no:cacheprovider
else
  python manage.py test
fi
echo "the restructured copy is in $WORK (branch djrefactor/restructure; main is untouched)"
