#!/usr/bin/env bash
# pip_install.sh VENV ARGS…: `pip install ARGS` into the virtualenv VENV, through uv when .venv has
# it (bootstrap.sh puts it there: uv installs in a fraction of pip's time), else through VENV's
# pip. uv does not read pip's configuration, so its index, extra indexes, find-links, constraint
# and certificate settings (pip.conf and PIP_* variables) are passed to it here.
# RUNWAY_NO_UV=1 uses pip.
set -euo pipefail
venv="$1"; shift
uv="$(dirname "$0")/../.venv/bin/uv"
if [ -n "${RUNWAY_NO_UV:-}" ] || [ ! -x "$uv" ]; then
  exec "$venv/bin/python" -m pip install -q "$@"
fi
opts=(--index-strategy unsafe-best-match)
# `pip config list` prints one `scope.key='value'` line per setting, the PIP_* variables as
# `:env:.key='value'`; the environment's value comes last and wins for single-valued keys.
while IFS= read -r line; do
  key="${line%%=*}"; key="${key##*.}"
  value="${line#*=}"; value="${value#\'}"; value="${value%\'}"
  case "$key" in
    index-url) opts+=(--index-url "$value") ;;
    extra-index-url) for v in $value; do opts+=(--extra-index-url "$v"); done ;;
    find-links) for v in $value; do opts+=(--find-links "$v"); done ;;
    constraint) for v in $value; do opts+=(--constraint "$v"); done ;;
    cert) export SSL_CERT_FILE="$value" ;;
  esac
done < <("$venv/bin/python" -m pip config list 2>/dev/null || true)
exec "$uv" pip install -q --python "$venv/bin/python" "${opts[@]}" "$@"
