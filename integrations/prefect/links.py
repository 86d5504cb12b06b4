"""Links between a Prefect flow run and its Runway run, both ways, and the few Prefect API reads
the hooks need (each bounded and failure-tolerant)."""

from __future__ import annotations

import logging
from typing import Any

from runway_core.tracking import RunSession

log = logging.getLogger("runway.prefect")


def flow_run_url(flow_run_id: Any) -> str | None:
    """The flow run's page in the Prefect UI (``PREFECT_UI_URL``, derived from the API URL)."""
    return _ui_page(f"runs/flow-run/{flow_run_id}")


def task_run_url(task_run_id: Any) -> str | None:
    return _ui_page(f"runs/task-run/{task_run_id}")


def _ui_page(path: str) -> str | None:
    from prefect.settings import get_current_settings

    base = get_current_settings().ui_url
    return f"{str(base).rstrip('/')}/{path}" if base else None


def runway_run_url(run: RunSession) -> str | None:
    """The run's page in the Runway dashboard when ``RUNWAY_UI_URL`` names it."""
    from runway_core.config import settings

    ui_url = settings().ui_url
    return f"{ui_url.rstrip('/')}/run?run={run.id}" if ui_url else None


def link_prefect_to_runway(flow_run: Any, run: RunSession) -> None:
    """A link artifact on the Prefect flow run pointing at the Runway run's page."""
    url = runway_run_url(run)
    if url is None:
        return
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import ArtifactCreate

    artifact = ArtifactCreate(
        type="markdown",  # what prefect.artifacts.create_link_artifact makes
        key=None,
        data=f"[Runway run {run.name}]({url})",
        description=f"The Runway run recording this flow run ({run.project} / {run.experiment})",
        flow_run_id=flow_run.id,
    )
    with get_client(sync_client=True) as client:
        client.create_artifact(artifact)


def deployment_name(deployment_id: Any) -> str | None:
    """``flow/deployment`` of a deployment id, or None (no deployment, or not readable)."""
    if deployment_id is None:
        return None
    from prefect.client.orchestration import get_client

    try:
        with get_client(sync_client=True) as client:
            deployment = client.read_deployment(deployment_id)
            flow = client.read_flow(deployment.flow_id)
    except Exception:
        log.debug("runway: could not read Prefect deployment %s", deployment_id, exc_info=True)
        return None
    return f"{flow.name}/{deployment.name}"


def parent_flow_run_id(parent_task_run_id: Any) -> str | None:
    """The flow run a subflow run was called from (through the parent's task run)."""
    from prefect.client.orchestration import get_client

    try:
        with get_client(sync_client=True) as client:
            return str(client.read_task_run(parent_task_run_id).flow_run_id)
    except Exception:
        log.debug("runway: could not read Prefect task run %s", parent_task_run_id, exc_info=True)
        return None


def run_location(run_id: str, tracking_uri: str | None) -> tuple[str, str] | None:
    """The project and experiment names of a stored run (a queued sweep trial), or None when
    it cannot be read now (the hooks then use their own names; the run stays where it is)."""
    from runway_core.tracking import open_store

    try:
        store = open_store(tracking_uri)
        run = store.get_run(run_id)
        experiment = store.get_experiment(run.experiment_id)
        project = store.get_project(run.project_id)
    except Exception:
        log.debug("runway: could not read run %s", run_id, exc_info=True)
        return None
    return project.name, experiment.name


# A Runway server that accepts connections but answers slowly would hold the first hook of a
# process for a whole request timeout (its first contact); the hooks wait this long at most.
CONTACT_WAIT_SECONDS = 1.0


def contact_runway(tracking_uri: str | None) -> None:
    """Ask the Runway server once whether it is up, waiting ``CONTACT_WAIT_SECONDS`` at most;
    without an answer by then its writes spool and the background retries take over."""
    import threading

    from runway_core.config import is_http, resolve_tracking_uri
    from runway_core.tracking import stores

    uri = resolve_tracking_uri(tracking_uri)
    if not is_http(uri):
        return
    conn = stores.connection(uri)
    if conn.checked or conn.sender.down:
        return

    def contact() -> None:
        try:
            stores.first_contact(conn)
        except Exception:  # down or not Runway: start_run says so, or the sender spools
            return

    asking = threading.Thread(target=contact, name="runway-first-contact", daemon=True)
    asking.start()
    asking.join(CONTACT_WAIT_SECONDS)
    if asking.is_alive():
        conn.sender.mark_down(f"no answer within {CONTACT_WAIT_SECONDS:g} s")
