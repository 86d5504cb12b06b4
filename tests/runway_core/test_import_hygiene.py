"""``runway_core`` stands alone: importing every one of its modules loads no web framework, no
dashboard and no orchestrator (DESIGN.md's dependency direction)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import runway_core

FORBIDDEN = ("fastapi", "starlette", "streamlit", "uvicorn", "prefect", "airflow", "runway.api")

_PROBE = """
import importlib, json, sys
loaded = []
for name in json.loads(sys.argv[1]):
    importlib.import_module(name)
    loaded.append(name)
forbidden = json.loads(sys.argv[2])
found = sorted(m for m in sys.modules for f in forbidden if m == f or m.startswith(f + "."))
print(json.dumps({"loaded": len(loaded), "found": found}))
"""


def _modules() -> list[str]:
    names = [runway_core.__name__]
    for info in pkgutil.walk_packages(runway_core.__path__, prefix="runway_core."):
        # Alembic loads migration scripts itself (they need its runtime context).
        if not info.name.startswith("runway_core.migrations"):
            names.append(info.name)
    return names


def test_no_runway_core_module_imports_a_framework() -> None:
    modules = _modules()
    assert "runway_core.store.sql" in modules and "runway_core.cli.server" in modules
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(modules), json.dumps(FORBIDDEN)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["loaded"] == len(modules)
    assert result["found"] == []


# What an HTTP-only client loads: the SDK, the wire shapes, HttpStore and the tracking machinery.
HTTP_CLIENT_MODULES = [
    "runway",
    "runway._fluent",
    "runway._client",
    "runway_core.schemas",
    "runway_core.store",
    "runway_core.store.http",
    "runway_core.tracking",
    "runway_core.tracking.writer",
    "runway_core.tracking.sync",
    "runway_core.config",
]


def test_an_http_client_loads_no_sqlalchemy() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            _PROBE,
            json.dumps(HTTP_CLIENT_MODULES),
            json.dumps(["sqlmodel", "sqlalchemy", "alembic", *FORBIDDEN]),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["found"] == []
