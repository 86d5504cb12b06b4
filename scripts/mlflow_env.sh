#!/usr/bin/env bash
# Build .venv-mlflow: the full `mlflow` package (tracking server included) at exactly the version
# of mlflow-skinny in .venv. The MLflow differential test (tests/mlflow/test_differential.py)
# runs a real MLflow server from it. Idempotent: a stamp names the version installed.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || { echo "error: run scripts/bootstrap.sh first" >&2; exit 1; }
version="$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("mlflow-skinny"))')"
stamp=".venv-mlflow/.installed-mlflow-${version}"
[ -f "$stamp" ] && exit 0
if [ ! -x .venv-mlflow/bin/python ]; then
  base="$(.venv/bin/python -c 'import sys; print(sys._base_executable)')"
  "$base" -m venv .venv-mlflow
fi
echo "installing mlflow==${version} into .venv-mlflow …"
bash scripts/pip_install.sh .venv-mlflow "mlflow==${version}"
rm -f .venv-mlflow/.installed-mlflow-*
touch "$stamp"
