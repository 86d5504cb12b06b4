"""Trial launchers: where a sweep's trials run when not on this machine's ``runway agent``.

A launcher is any object with ``launch(run_id, params) -> str``: it starts one trial (a Prefect
flow run, an Airflow DAG run…) that attaches to the existing Runway run ``run_id`` and returns
the external run's URL or id. The spec names one by ``type``: ``prefect``, ``airflow`` or an
import path ``package.module:Class``; its other keys are the constructor's keyword arguments.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol, runtime_checkable

from runway_core.errors import InvalidInput
from runway_core.sweeps.spec import LauncherSpec

BUILTIN = {
    "prefect": ("runway.prefect.launcher:PrefectLauncher", "prefect"),
    "airflow": ("runway.airflow.launcher:AirflowLauncher", "airflow"),
}


@runtime_checkable
class TrialLauncher(Protocol):
    def launch(self, run_id: str, params: dict[str, Any]) -> str: ...


def load_launcher(spec: LauncherSpec) -> TrialLauncher:
    """Import and build the launcher ``spec`` names; ``InvalidInput`` in one line otherwise."""
    if spec.type == "local":
        raise InvalidInput(
            "launcher local runs trials with `runway agent SWEEP_ID -- COMMAND`, not a launch",
            field="launcher.type",
        )
    path, extra = BUILTIN.get(spec.type, (spec.type, None))
    module_name, _, attr = path.partition(":")
    if not attr:
        raise InvalidInput(
            f"launcher type {spec.type!r} is not prefect, airflow or an import path "
            "package.module:Class",
            field="launcher.type",
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        hint = f": pip install 'runway-tracker[{extra}]'" if extra else ""
        raise InvalidInput(
            f"launcher {spec.type} is not installed ({exc}){hint}", field="launcher.type"
        ) from None
    cls = getattr(module, attr, None)
    if cls is None:
        raise InvalidInput(f"launcher {spec.type}: {module_name} has no {attr}", field="launcher")
    try:
        launcher = cls(**spec.options)
    except TypeError as exc:
        raise InvalidInput(f"launcher {spec.type}: {exc}", field="launcher") from None
    if not isinstance(launcher, TrialLauncher):
        raise InvalidInput(f"launcher {spec.type} has no launch(run_id, params)", field="launcher")
    return launcher
