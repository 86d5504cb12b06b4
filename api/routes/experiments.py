"""Experiments: created and listed within a project, then addressed by their own id."""

from __future__ import annotations

from fastapi import APIRouter, Query, status

from runway_core.schemas import ExperimentCreate, ExperimentPublic, ExperimentUpdate

from ..deps import StoreDep
from ..schemas import ExperimentsPublic

router = APIRouter(tags=["experiments"])


@router.post(
    "/projects/{project_id}/experiments",
    status_code=status.HTTP_201_CREATED,
    response_model=ExperimentPublic,
)
def create_experiment(
    project_id: str,
    body: ExperimentCreate,
    store: StoreDep,
    exist_ok: bool = Query(False, description="return the existing experiment of that name"),
) -> ExperimentPublic:
    return store.create_experiment(project_id, body, exist_ok=exist_ok)


@router.get("/projects/{project_id}/experiments", response_model=ExperimentsPublic)
def list_experiments(
    project_id: str,
    store: StoreDep,
    metric: str | None = Query(None, description="metric to aggregate per experiment"),
    include_deleted: bool = Query(False, description="also list experiments in the bin"),
) -> ExperimentsPublic:
    experiments = store.list_experiments(project_id, metric=metric, include_deleted=include_deleted)
    return ExperimentsPublic(data=experiments, count=len(experiments))


@router.get(
    "/projects/{project_id}/experiments/by-name/{name:path}", response_model=ExperimentPublic
)
def get_experiment_by_name(project_id: str, name: str, store: StoreDep) -> ExperimentPublic:
    return store.get_experiment_by_name(project_id, name)


@router.get("/experiments/{experiment_id}", response_model=ExperimentPublic)
def get_experiment(experiment_id: str, store: StoreDep) -> ExperimentPublic:
    return store.get_experiment(experiment_id)


@router.patch("/experiments/{experiment_id}", response_model=ExperimentPublic)
def update_experiment(
    experiment_id: str, body: ExperimentUpdate, store: StoreDep
) -> ExperimentPublic:
    return store.update_experiment(experiment_id, body)


@router.delete("/experiments/{experiment_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_experiment(experiment_id: str, store: StoreDep) -> None:
    store.delete_experiment(experiment_id)
