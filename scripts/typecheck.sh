#!/usr/bin/env bash
# mypy --strict over the engine, the codemods and the benchmarks (files listed in pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
mypy
