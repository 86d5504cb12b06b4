#!/usr/bin/env bash
# Quick start, command 2: install everything, start what the tests need, then lint, type-check,
# build the documentation site and run the whole test suite. Extra arguments go to the main
# pytest run.
#
# Two side environments are built in the background while the main one is linted and tested:
# .venv-mlflow (the real MLflow server of the differential test) and .venv-airflow (Airflow's
# pins clash with the server's; its tests run there, against a `runway server` from .venv,
# while the main suite runs).
# RUNWAY_SKIP_AIRFLOW=1 leaves the Airflow part out of a quick local run.
#
# --quick (first argument): the inner loop — the unit layer only (no e2e, postgres, browser or s3
# tests, no Prefect, MLflow-server or Airflow parts, no side environments, no docs build).
# The main pytest run uses pytest-xdist: RUNWAY_TEST_WORKERS workers (default: the number of
# cores, at most 4; 0 runs serially). Every run ends with the 15 slowest tests.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=""
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
cores="$(nproc 2>/dev/null || echo 2)"
workers="${RUNWAY_TEST_WORKERS:-$(( cores < 4 ? cores : 4 ))}"
xdist=()
if [ "$workers" != "0" ]; then xdist=(-n "$workers" --dist loadgroup); fi
bash scripts/bootstrap.sh all,dev
if [ -n "$quick" ]; then
  bash scripts/services.sh
  echo "== ruff"
  .venv/bin/ruff check .
  .venv/bin/ruff format --check .
  echo "== pytest (quick: the unit layer)"
  exec .venv/bin/pytest "${xdist[@]}" --durations=15 \
    -m "not e2e and not postgres and not browser and not s3" \
    --ignore=tests/prefect --ignore=tests/mlflow "$@"
fi
logs="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT  # an early failure stops the background work
bash scripts/mlflow_env.sh >"$logs/mlflow_env.log" 2>&1 &
mlflow_env=$!
# The Airflow part (build its environment, then its tests) runs alongside the main suite: its
# servers and Airflow's own processes mostly wait, and the two never share a port or a folder.
airflow=""
if [ -z "${RUNWAY_SKIP_AIRFLOW:-}" ]; then
  (
    bash scripts/airflow_env.sh >"$logs/airflow_env.log" 2>&1 || { echo build >"$logs/airflow.failed"; exit 1; }
    RUNWAY_TEST_SERVER_BIN="$PWD/.venv/bin/runway" \
      .venv-airflow/bin/pytest tests_airflow -q -p no:cacheprovider --durations=10 \
      >"$logs/airflow_tests.log" 2>&1
  ) &
  airflow=$!
fi
side_env() {  # wait for a background build; on failure show its log and stop
  local pid="$1" name="$2"
  if ! wait "$pid"; then
    echo "error: building $name failed:" >&2
    tail -n 40 "$logs/$name.log" >&2
    exit 1
  fi
}
bash scripts/services.sh
echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
.venv/bin/mypy runway_core api integrations ui
echo "== docs (mkdocs build --strict: a warning, such as a broken link, fails the run)"
# Not --quiet: it hides the warnings from --strict too, and a broken build would pass.
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --site-dir "$logs/site"
side_env "$mlflow_env" mlflow_env
echo "== pytest"
# No path given: pyproject's testpaths (tests/); a path given runs only that part.
status=0
.venv/bin/pytest "${xdist[@]}" --durations=15 "$@" || status=$?
if [ -n "$airflow" ]; then
  echo "== airflow (tests_airflow in .venv-airflow)"
  wait "$airflow" || status=1
  if [ -f "$logs/airflow.failed" ]; then
    echo "error: building .venv-airflow failed:" >&2
    tail -n 40 "$logs/airflow_env.log" >&2
  else
    cat "$logs/airflow_tests.log"
  fi
fi
exit "$status"
