"""Sweeps and their trials over the REST API: ``/sweeps``, ``/sweeps/{id}/trials``,
``/trials/{run_id}/…``."""

from __future__ import annotations

from typing import Any

from runway_core.schemas.sweep import (
    SweepControl,
    SweepCreate,
    SweepPublic,
    TrialPublic,
)
from runway_core.store.http.base import HttpBase, dump, encode, segment


class SweepsMixin(HttpBase):
    def create_sweep(self, sweep: SweepCreate) -> SweepPublic:
        return SweepPublic.model_validate(self._request("POST", "/sweeps", content=dump(sweep)))

    def get_sweep(self, sweep_id: str) -> SweepPublic:
        return SweepPublic.model_validate(self._request("GET", f"/sweeps/{segment(sweep_id)}"))

    def list_sweeps(
        self, *, project_id: str | None = None, experiment_id: str | None = None
    ) -> list[SweepPublic]:
        params = {"project_id": project_id, "experiment_id": experiment_id}
        query = {k: v for k, v in params.items() if v is not None}
        body = self._request("GET", "/sweeps", params=query)
        return [SweepPublic.model_validate(s) for s in body["data"]]

    def set_sweep_status(self, sweep_id: str, status: SweepControl) -> SweepPublic:
        body = self._request(
            "PUT", f"/sweeps/{segment(sweep_id)}/status", content=encode({"status": status})
        )
        return SweepPublic.model_validate(body)

    def list_trials(self, sweep_id: str, *, status: str | None = None) -> list[TrialPublic]:
        query = {"status": status} if status is not None else None
        body = self._request("GET", f"/sweeps/{segment(sweep_id)}/trials", params=query)
        return [TrialPublic.model_validate(t) for t in body["data"]]

    def claim_next_trial(self, sweep_id: str, worker: str) -> TrialPublic | None:
        body = self._request(
            "POST", f"/sweeps/{segment(sweep_id)}/claim", content=encode({"worker": worker})
        )
        return None if body is None else TrialPublic.model_validate(body)

    def requeue_stale_trials(self, sweep_id: str, *, timeout: float) -> list[str]:
        body = self._request(
            "POST", f"/sweeps/{segment(sweep_id)}/requeue", params={"timeout": timeout}
        )
        return list(body["data"])

    def heartbeat_trial(self, run_id: str, worker: str) -> TrialPublic:
        return self._trial("heartbeat", run_id, {"worker": worker})

    def stop_trial(self, run_id: str, reason: str) -> TrialPublic:
        return self._trial("stop", run_id, {"reason": reason})

    def mark_trial_launched(self, run_id: str, launched: str) -> TrialPublic:
        return self._trial("launched", run_id, {"launched": launched})

    def _trial(self, action: str, run_id: str, body: dict[str, Any]) -> TrialPublic:
        answer = self._request("POST", f"/trials/{segment(run_id)}/{action}", content=encode(body))
        return TrialPublic.model_validate(answer)
