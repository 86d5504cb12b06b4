"""Sweeps on Prefect: start flow runs of a deployment, each tied to a Runway run.

The flow run carries the tag ``runway-run:<id>``; Runway's flow hooks (``track``) then record
the flow run into that existing run (a queued sweep trial) instead of a new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runway.prefect.values import TRIAL_TAG_PREFIX, params_of
from runway_core.errors import InvalidInput


@dataclass(frozen=True)
class Launched:
    run_id: str  # the Runway run
    flow_run_id: str  # the Prefect flow run that executes it


class PrefectLauncher:
    """Start one flow run of ``deployment`` (``"flow-name/deployment-name"``) per Runway run.

    ``opts`` are passed on to ``prefect.deployments.run_deployment`` (``work_queue_name``,
    ``job_variables``, ``flow_run_name``, ``tags`` …); the launcher sets ``parameters``,
    ``timeout=0`` (return at once) and ``as_subflow=False`` itself.
    """

    def __init__(self, deployment: str, **opts: Any):
        if not isinstance(deployment, str) or deployment.count("/") != 1:
            raise InvalidInput(
                f"deployment must be 'flow-name/deployment-name', got {deployment!r}",
                field="deployment",
            )
        for reserved in ("parameters", "timeout", "as_subflow"):
            if reserved in opts:
                raise InvalidInput(f"{reserved} is set by the launcher", field=reserved)
        self.deployment = deployment
        self._tags = list(opts.pop("tags", None) or [])
        self._opts = opts

    def launch(self, run_id: str, params: Mapping[str, Any]) -> str:
        """Schedule a flow run with ``params`` tagged ``runway-run:<run_id>``; returns the
        flow run's id (its page: ``runway.prefect.links.flow_run_url(id)``)."""
        from prefect.deployments import run_deployment

        flow_run: Any = run_deployment(  # sync here: a FlowRun
            self.deployment,
            parameters=params_of(params),
            tags=[*self._tags, f"{TRIAL_TAG_PREFIX}{run_id}"],
            timeout=0,
            as_subflow=False,
            **self._opts,
        )
        return str(flow_run.id)


def launch_runs(
    deployment: str,
    param_sets: Iterable[Mapping[str, Any]],
    *,
    project: str | None = None,
    experiment: str | None = None,
    tracking_uri: str | None = None,
    **opts: Any,
) -> list[Launched]:
    """Create one queued Runway run per parameter set and start a flow run of ``deployment``
    for each; the deployment's flow must be wrapped with ``runway.prefect.track``."""
    from runway_core.config import settings
    from runway_core.schemas import RunStatus, new_id
    from runway_core.schemas.writes import RunStart
    from runway_core.tracking import open_store

    cfg = settings()
    launcher = PrefectLauncher(deployment, **opts)
    sets: Sequence[Mapping[str, Any]] = list(param_sets)
    store = open_store(tracking_uri)
    launched = []
    for params in sets:
        run = store.ensure_run(
            RunStart(
                id=new_id(),
                project=project or cfg.project or "default",
                experiment=experiment or cfg.experiment or deployment.split("/")[0],
                status=RunStatus.queued,
                source="prefect",
                source_ids={"deployment": deployment},
                params=_flat(params),
            )
        )
        launched.append(Launched(run_id=run.id, flow_run_id=launcher.launch(run.id, params)))
    return launched


def _flat(params: Mapping[str, Any]) -> dict[str, Any]:
    from runway_core.tracking.inputs import check_params

    return check_params(params_of(params))
