#!/usr/bin/env bash
# Create .venv (Python 3.10+) and install Runway with the extras named in $1 (default: all,dev).
# Idempotent: re-running only installs what changed in pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-all,dev}"
py=""
for cand in python3.11 python3.12 python3.10 python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    py="$cand"; break
  fi
done
[ -n "$py" ] || { echo "error: Python 3.10 or newer is needed" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
# uv (from PyPI, one wheel) installs the rest in a fraction of pip's time; without it, pip does.
[ -x .venv/bin/uv ] || .venv/bin/python -m pip install -q uv || echo "note: no uv; using pip" >&2
stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)-${extras//,/_}"
if [ ! -f "$stamp" ]; then
  echo "installing runway-tracker[$extras] into .venv …"
  bash scripts/pip_install.sh .venv -e ".[$extras]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
