#!/usr/bin/env bash
# mypy --strict over the package as it is installed: djrefactor with codemods/ mapped to
# djrefactor.codemods (mypy cannot follow setuptools' editable-install mapping, so we stage
# the same layout in a temporary directory), plus the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/djrefactor"
cp -r src/djrefactor/. "$STAGE/djrefactor/"
cp -r codemods "$STAGE/djrefactor/codemods"
find "$STAGE" -name __pycache__ -prune -exec rm -rf {} +
cd "$STAGE"
mypy --config-file "$ROOT/pyproject.toml" -p djrefactor \
  | sed -e "s#^djrefactor/codemods/#codemods/#" -e "s#^djrefactor/#src/djrefactor/#"
cd "$ROOT"
if [ -d benchmarks ]; then MYPYPATH="$STAGE" mypy --config-file pyproject.toml benchmarks; fi
