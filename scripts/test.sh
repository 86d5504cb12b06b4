#!/usr/bin/env bash
# Quick start, command 2: install everything, start what the tests need, then lint, type-check
# and run the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh all,dev
bash scripts/mlflow_env.sh  # full mlflow in .venv-mlflow for the MLflow differential test
bash scripts/services.sh
echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
.venv/bin/mypy runway_core api integrations ui
echo "== pytest"
# No path given: pyproject's testpaths (tests/); a path given runs only that part.
exec .venv/bin/pytest "$@"
