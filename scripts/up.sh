#!/usr/bin/env bash
# Quick start, command 1: install Runway into .venv, fill ./runway.db with a demo project of real
# scikit-learn training runs, and serve the REST API and the dashboard on it. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh all
exec .venv/bin/runway up --demo "$@"
