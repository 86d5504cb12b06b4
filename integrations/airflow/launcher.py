"""Run a Runway run (a sweep trial) as an Airflow DAG run: trigger the DAG with the run's params
as ``conf`` plus ``runway_run_id``; the plugin then records the DAG run into that run.

    launcher = AirflowLauncher("train", url="http://airflow:8080", username="admin", password=…)
    url = launcher.launch(run.id, {"lr": 0.1})     # the DAG run's page in Airflow

Launching the same run twice triggers nothing new: the DAG run's id is derived from the Runway
run's (``runway__<run id>``), and the second call returns the first DAG run's page.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping
from typing import Any

from runway.airflow.facts import RUN_ID_KEY, DagRunFacts, dag_run_url
from runway.airflow.rest import access_token, api_client, check_url
from runway_core.errors import Conflict, InvalidInput, RunwayError

_RUN_ID_RE = re.compile(r"^[0-9a-f]{32}$")


def dag_run_id_for(run_id: str) -> str:
    return f"runway__{run_id}"


class AirflowLauncher:
    def __init__(
        self,
        dag_id: str,
        *,
        url: str,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        unpause: bool = False,
    ):
        if not isinstance(dag_id, str) or not dag_id.strip():
            raise InvalidInput("dag_id must be a non-empty string", field="dag_id")
        self.dag_id = dag_id
        self.url = check_url(url)
        # Secrets stay out of the sweep spec (the server stores and returns it): the launching
        # process's environment supplies them, as for `runway import airflow`.
        token = token or os.environ.get("AIRFLOW_TOKEN") or None
        username = username or os.environ.get("AIRFLOW_USERNAME") or None
        if password is None:
            password = os.environ.get("AIRFLOW_PASSWORD")
        if not token and not (username and password is not None):
            raise InvalidInput(
                "AirflowLauncher needs a token or a username and password (token=, or "
                "AIRFLOW_TOKEN / AIRFLOW_USERNAME and AIRFLOW_PASSWORD in the environment)",
                field="token",
            )
        self._token = token
        self._username = username
        self._password = password
        self.unpause = unpause
        self._unpaused = False
        self._lock = threading.Lock()

    def launch(self, run_id: str, params: Mapping[str, Any]) -> str:
        """Trigger a run of the DAG with ``conf={**params, "runway_run_id": run_id}``; returns
        the DAG run's URL in Airflow's UI. Raises ``InvalidInput`` for a bad run id or params,
        ``Unauthorized``, ``NotFound`` (no such DAG) or ``StoreUnavailable`` (Airflow down)."""
        if not isinstance(run_id, str) or not _RUN_ID_RE.match(run_id):
            raise InvalidInput(
                f"run_id must be 32 lowercase hex characters, got {run_id!r}", field="run_id"
            )
        if not isinstance(params, Mapping):
            raise InvalidInput(
                f"params must be a dict, got {type(params).__name__}", field="params"
            )
        conf = {**params, RUN_ID_KEY: run_id}
        dag_run_id = dag_run_id_for(run_id)
        from airflow_client.client.api.dag_api import DAGApi
        from airflow_client.client.api.dag_run_api import DagRunApi
        from airflow_client.client.models.dag_patch_body import DAGPatchBody
        from airflow_client.client.models.trigger_dag_run_post_body import TriggerDAGRunPostBody

        with api_client(self.url, self.token()) as client:
            with self._lock:
                if self.unpause and not self._unpaused:
                    DAGApi(client).patch_dag(self.dag_id, DAGPatchBody(is_paused=False))
                    self._unpaused = True
            body = TriggerDAGRunPostBody(
                dag_run_id=dag_run_id, conf=conf, note=f"Runway run {run_id}"
            )
            try:
                DagRunApi(client).trigger_dag_run(self.dag_id, body)
            except Exception as exc:
                if getattr(exc, "status", None) != 409:
                    raise
                # Launched before (a retried sweep step): that DAG run is this run's.
                if not self._same_run(client, dag_run_id, run_id):
                    raise Conflict(
                        f"DAG run {dag_run_id!r} of {self.dag_id!r} exists for another run",
                        field="run_id",
                    ) from None
        return dag_run_url(self.url, DagRunFacts(dag_id=self.dag_id, run_id=dag_run_id))

    def token(self) -> str:
        if self._token is None:
            self._token = access_token(self.url, username=self._username, password=self._password)
        return self._token

    def _same_run(self, client: Any, dag_run_id: str, run_id: str) -> bool:
        from airflow_client.client.api.dag_run_api import DagRunApi

        existing = DagRunApi(client).get_dag_run(self.dag_id, dag_run_id)
        conf = existing.conf or {}
        if not isinstance(conf, Mapping):
            raise RunwayError(f"DAG run {dag_run_id!r} has a conf that is not a dict")
        return conf.get(RUN_ID_KEY) == run_id
