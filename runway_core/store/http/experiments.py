"""Experiments over the REST API."""

from __future__ import annotations

from runway_core.schemas import (
    ExperimentCreate,
    ExperimentPublic,
    ExperimentSummary,
    ExperimentUpdate,
)
from runway_core.store.http.base import HttpBase, dump, segment


class ExperimentsMixin(HttpBase):
    def create_experiment(
        self, project_id: str, experiment: ExperimentCreate, *, exist_ok: bool = False
    ) -> ExperimentPublic:
        body = self._request(
            "POST",
            f"/projects/{segment(project_id)}/experiments",
            content=dump(experiment),
            params={"exist_ok": exist_ok},
        )
        return ExperimentPublic.model_validate(body)

    def get_experiment(self, experiment_id: str) -> ExperimentPublic:
        body = self._request("GET", f"/experiments/{segment(experiment_id)}")
        return ExperimentPublic.model_validate(body)

    def get_experiment_by_name(self, project_id: str, name: str) -> ExperimentPublic:
        body = self._request(
            "GET", f"/projects/{segment(project_id)}/experiments/by-name/{segment(name)}"
        )
        return ExperimentPublic.model_validate(body)

    def list_experiments(
        self, project_id: str, *, metric: str | None = None, include_deleted: bool = False
    ) -> list[ExperimentSummary]:
        params: dict[str, str | bool] = {"metric": metric} if metric else {}
        if include_deleted:
            params["include_deleted"] = True
        body = self._request("GET", f"/projects/{segment(project_id)}/experiments", params=params)
        return [ExperimentSummary.model_validate(e) for e in body["data"]]

    def update_experiment(self, experiment_id: str, update: ExperimentUpdate) -> ExperimentPublic:
        body = self._request(
            "PATCH",
            f"/experiments/{segment(experiment_id)}",
            content=dump(update, exclude_unset=True),
        )
        return ExperimentPublic.model_validate(body)

    def delete_experiment(self, experiment_id: str) -> None:
        self._request("DELETE", f"/experiments/{segment(experiment_id)}")
