#!/usr/bin/env bash
# Create .venv-airflow: Apache Airflow 3 with Runway's `airflow` extra and pytest, for tests_airflow/.
# Airflow cannot share .venv (its FastAPI pins clash with the server's and Prefect's), and real
# deployments never share one either. Idempotent: a stamp file records what was installed.
set -euo pipefail
cd "$(dirname "$0")/.."
airflow_version="${RUNWAY_AIRFLOW_VERSION:-3.3.2}"
py=""
for cand in python3.11 python3.12 python3.10 python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    py="$cand"; break
  fi
done
[ -n "$py" ] || { echo "error: Python 3.10 or newer is needed" >&2; exit 1; }
if [ ! -x .venv-airflow/bin/python ]; then
  "$py" -m venv .venv-airflow
fi
stamp=".venv-airflow/.installed-$(cat pyproject.toml scripts/airflow_env.sh | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  pyver="$(.venv-airflow/bin/python -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
  constraints="https://raw.githubusercontent.com/apache/airflow/constraints-${airflow_version}/constraints-${pyver}.txt"
  cfile=".venv-airflow/constraints.txt"
  # Airflow's constraints file is the supported way to install it; where GitHub is out of reach
  # the exact apache-airflow pin alone resolves cleanly from PyPI.
  if curl -fsSL --max-time 10 "$constraints" -o "$cfile" 2>/dev/null; then
    set -- -c "$cfile"
  else
    rm -f "$cfile"
    set --
  fi
  echo "installing apache-airflow==$airflow_version and runway-tracker[airflow] into .venv-airflow …"
  bash scripts/pip_install.sh .venv-airflow "$@" "apache-airflow==$airflow_version" \
    "pytest>=8" "pytest-timeout>=2.3"
  # Runway itself without the constraints: its own pins are not Airflow's business.
  bash scripts/pip_install.sh .venv-airflow -e ".[airflow]"
  rm -f .venv-airflow/.installed-*
  touch "$stamp"
fi
