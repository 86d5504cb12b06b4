"""Runway's plain-script SDK: ``runway.init(project=…)``, ``run.log({...})``, ``run.finish()``.

A thin layer on the run lifecycle of ``runway_core.tracking`` (``runway.Run`` is its
``RunSession``). Names load lazily so that ``import runway`` (and ``runway --version``) stay cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from runway_core import __version__

if TYPE_CHECKING:
    from runway._client import Client
    from runway._fluent import active_run, finish, init, log, log_params, set_tags
    from runway_core.errors import RunwayError
    from runway_core.tracking.session import RunSession as Run

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

# public name -> (module, attribute)
_LAZY = {
    "Client": ("runway._client", "Client"),
    "Run": ("runway_core.tracking.session", "RunSession"),
    "RunwayError": ("runway_core.errors", "RunwayError"),
    "active_run": ("runway._fluent", "active_run"),
    "finish": ("runway._fluent", "finish"),
    "init": ("runway._fluent", "init"),
    "log": ("runway._fluent", "log"),
    "log_params": ("runway._fluent", "log_params"),
    "set_tags": ("runway._fluent", "set_tags"),
}


def __getattr__(name: str) -> Any:
    if name == "errors":  # the submodule ``runway.errors``, without an import of its own
        return importlib.import_module("runway.errors")
    found = _LAZY.get(name)
    if found is None:
        raise AttributeError(f"module 'runway' has no attribute {name!r}")
    value = getattr(importlib.import_module(found[0]), found[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
