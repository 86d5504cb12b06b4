"""MLflow's experiment endpoints over Runway experiments (``/mlflow/experiments/*``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from runway_core.errors import AlreadyExists, InvalidInput, NotFound
from runway_core.schemas import ExperimentCreate, ExperimentUpdate

from ..access import access_service, require_project
from .context import MlflowDep
from .errors import MlflowError, MlflowRoute
from .mapping import DEFAULT_EXPERIMENT_ID, PROJECT_TAG, experiment_json
from .paging import page
from .search_filter import experiment_matcher, sort_experiments

router = APIRouter(route_class=MlflowRoute)


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class KeyValue(Body):
    key: str
    value: str = ""


class CreateExperiment(Body):
    name: str = ""
    artifact_location: str | None = None
    tags: list[KeyValue] = Field(default_factory=list)


class ExperimentId(Body):
    experiment_id: str = ""


class UpdateExperiment(ExperimentId):
    new_name: str | None = None


class ExperimentTag(ExperimentId):
    key: str = ""
    value: str = ""


class SearchExperiments(Body):
    max_results: int = Field(default=1000, ge=1, le=50_000)
    page_token: str | None = None
    filter: str | None = None
    order_by: list[str] = Field(default_factory=list)
    view_type: str = "ACTIVE_ONLY"


@router.post("/experiments/create")
def create_experiment(body: CreateExperiment, ctx: MlflowDep) -> dict[str, Any]:
    if not body.name.strip():
        raise InvalidInput("name: an experiment name must be a non-empty string", field="name")
    tags = {t.key: t.value for t in body.tags}
    project = ctx.project(tags.get(PROJECT_TAG))
    require_project(ctx.request, project.id, "write")
    for other in ctx.readable_projects():
        try:
            ctx.store.get_experiment_by_name(other.id, body.name)
        except NotFound:
            continue
        raise AlreadyExists(f"Experiment '{body.name}' already exists.", field="name")
    exp = ctx.store.create_experiment(project.id, ExperimentCreate(name=body.name, tags=tags))
    return {"experiment_id": exp.id}


@router.get("/experiments/get")
def get_experiment(experiment_id: str, ctx: MlflowDep) -> dict[str, Any]:
    exp = ctx.experiment(experiment_id, "read")
    return {"experiment": experiment_json(exp, ctx.default_experiment_id())}


@router.get("/experiments/get-by-name")
def get_experiment_by_name(experiment_name: str, ctx: MlflowDep) -> dict[str, Any]:
    exp = ctx.experiment_by_name(experiment_name)
    return {"experiment": experiment_json(exp, ctx.default_experiment_id())}


def _search(body: SearchExperiments, ctx: MlflowDep) -> dict[str, Any]:
    view = body.view_type.upper()
    if view not in ("ACTIVE_ONLY", "DELETED_ONLY", "ALL"):
        raise InvalidInput(
            f"view_type: expected ACTIVE_ONLY, DELETED_ONLY or ALL, got {body.view_type!r}",
            field="view_type",
        )
    if access_service(ctx.request) is None:  # one user, no roles: "0" from the first look
        ctx.default_experiment()
    default_id = ctx.default_experiment_id()
    matches = experiment_matcher(body.filter or "")
    found = []
    for project in ctx.readable_projects():
        for exp in ctx.store.list_experiments(project.id, include_deleted=view != "ACTIVE_ONLY"):
            if view == "DELETED_ONLY" and exp.deleted_at is None:
                continue
            as_json = experiment_json(exp, default_id)
            if matches(as_json):
                found.append(as_json)
    found = sort_experiments(found, body.order_by)
    items, token = page(found, body.max_results, body.page_token)
    out: dict[str, Any] = {"experiments": items}
    if token:
        out["next_page_token"] = token
    return out


@router.post("/experiments/search")
def search_experiments(body: SearchExperiments, ctx: MlflowDep) -> dict[str, Any]:
    return _search(body, ctx)


@router.get("/experiments/search")
def search_experiments_get(
    ctx: MlflowDep,
    max_results: int = 1000,
    page_token: str | None = None,
    filter: str | None = None,
    view_type: str = "ACTIVE_ONLY",
) -> dict[str, Any]:
    order_by = ctx.request.query_params.getlist("order_by")
    body = SearchExperiments(
        max_results=max_results,
        page_token=page_token,
        filter=filter,
        order_by=order_by,
        view_type=view_type,
    )
    return _search(body, ctx)


def _set_deleted(body: ExperimentId, ctx: MlflowDep, deleted: bool) -> dict[str, Any]:
    if body.experiment_id == DEFAULT_EXPERIMENT_ID and deleted:
        raise MlflowError("Cannot delete the default experiment '0'.", "INVALID_PARAMETER_VALUE")
    exp = ctx.experiment(body.experiment_id, "write")
    ctx.store.update_experiment(exp.id, ExperimentUpdate(deleted=deleted))
    return {}


@router.post("/experiments/delete")
def delete_experiment(body: ExperimentId, ctx: MlflowDep) -> dict[str, Any]:
    return _set_deleted(body, ctx, True)


@router.post("/experiments/restore")
def restore_experiment(body: ExperimentId, ctx: MlflowDep) -> dict[str, Any]:
    return _set_deleted(body, ctx, False)


@router.post("/experiments/update")
def update_experiment(body: UpdateExperiment, ctx: MlflowDep) -> dict[str, Any]:
    exp = ctx.experiment(body.experiment_id, "write")
    if body.new_name:
        if exp.deleted_at is not None:
            raise MlflowError(
                "Cannot rename a non-active experiment; restore it first.", "INVALID_STATE"
            )
        ctx.store.update_experiment(exp.id, ExperimentUpdate(name=body.new_name))
    return {}


@router.post("/experiments/set-experiment-tag")
def set_experiment_tag(body: ExperimentTag, ctx: MlflowDep) -> dict[str, Any]:
    exp = ctx.experiment(body.experiment_id, "write")
    ctx.store.update_experiment(exp.id, ExperimentUpdate(tags={body.key: body.value}))
    return {}


@router.post("/experiments/delete-experiment-tag")
def delete_experiment_tag(body: ExperimentTag, ctx: MlflowDep) -> dict[str, Any]:
    exp = ctx.experiment(body.experiment_id, "write")
    ctx.store.update_experiment(exp.id, ExperimentUpdate(tags={body.key: None}))
    return {}
