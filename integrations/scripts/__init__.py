"""Runway's plain-script SDK: ``runway.init(project=…)``, ``run.log({...})``, ``run.finish()``.

Names load lazily so that ``import runway`` (and ``runway --version``) stay cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from runway_core import __version__

if TYPE_CHECKING:
    from runway._client import Client
    from runway._fluent import active_run, finish, init, log, log_params, set_tags
    from runway._run import Run
    from runway_core.errors import RunwayError

__all__ = [
    "Client",
    "Run",
    "RunwayError",
    "__version__",
    "active_run",
    "finish",
    "init",
    "log",
    "log_params",
    "set_tags",
]

_LAZY = {
    "Client": "runway._client",
    "Run": "runway._run",
    "RunwayError": "runway_core.errors",
    "active_run": "runway._fluent",
    "finish": "runway._fluent",
    "init": "runway._fluent",
    "log": "runway._fluent",
    "log_params": "runway._fluent",
    "set_tags": "runway._fluent",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'runway' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
