#!/usr/bin/env bash
# Make sure the machine services and system packages the test suite uses are there:
# PostgreSQL on 127.0.0.1:5432 (started with Debian's pg_ctlcluster when down) and Chromium.
set -uo pipefail

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

if command -v pg_isready >/dev/null 2>&1 && ! pg_up; then
  echo "PostgreSQL is down; starting it …"
  if command -v pg_lsclusters >/dev/null 2>&1; then
    pg_lsclusters --no-header 2>/dev/null | while read -r ver cluster _rest; do
      pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" start || true
    done
  fi
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || echo "warning: PostgreSQL did not come up; its tests will fail in CI" >&2
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium for the browser tests …"
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium" >&2
  else
    (sudo -n apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium (needs root)" >&2
  fi
fi
exit 0
