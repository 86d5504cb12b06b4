"""MLflow's run endpoints over Runway runs: create, get, update, delete, restore, search."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from runway_core.errors import InvalidInput
from runway_core.schemas import RunCreate, RunPublic, RunSearch, RunSource, RunStatus, RunUpdate
from runway_core.tracking.names import run_name

from ..access import as_caller
from .context import MlflowContext, MlflowDep
from .errors import MlflowError, MlflowRoute
from .experiments import Body, KeyValue
from .mapping import STATUS_FROM_MLFLOW, fields_from_tags, run_info_json, run_json
from .search_filter import translate_filter, translate_order_by

router = APIRouter(route_class=MlflowRoute)
RUN_NAME_TAG = "mlflow.runName"


class CreateRun(Body):
    experiment_id: str = "0"
    user_id: str | None = None
    run_name: str | None = None
    start_time: int | None = None
    tags: list[KeyValue] = Field(default_factory=list)


class RunRef(Body):
    run_id: str = ""
    run_uuid: str = ""

    @property
    def id(self) -> str:
        return self.run_id or self.run_uuid


class UpdateRun(RunRef):
    status: str | None = None
    end_time: int | None = None
    run_name: str | None = None


class SearchRuns(Body):
    experiment_ids: list[str] = Field(default_factory=list)
    filter: str | None = None
    run_view_type: str = "ACTIVE_ONLY"
    max_results: int = Field(default=1000, ge=1, le=50_000)
    order_by: list[str] = Field(default_factory=list)
    page_token: str | None = None


def _status(text: str) -> RunStatus:
    status = STATUS_FROM_MLFLOW.get(text.upper())
    if status is None:
        known = ", ".join(STATUS_FROM_MLFLOW)
        raise InvalidInput(f"status: expected one of {known}, got {text!r}", field="status")
    return status


@router.post("/runs/create")
def create_run(body: CreateRun, ctx: MlflowDep) -> dict[str, Any]:
    exp = ctx.experiment(body.experiment_id or "0", "write")
    if exp.deleted_at is not None:
        raise MlflowError(
            f"The experiment {body.experiment_id} must be in the 'active' state; "
            "restore it to add runs.",
            "INVALID_STATE",
        )
    tags = {t.key: t.value for t in body.tags}
    name = body.run_name or tags.get(RUN_NAME_TAG) or run_name()
    tags[RUN_NAME_TAG] = name
    fields = fields_from_tags(tags)
    if body.user_id and "user" not in fields:
        fields["user"] = body.user_id[:250]
    create = RunCreate(
        experiment_id=exp.id,
        name=name,
        start_time=body.start_time,
        source=RunSource.mlflow,
        tags=tags,
        **fields,
    )
    with as_caller(ctx.request):  # mlflow.parentRunId: a run the caller may read
        run = ctx.store.create_run(create)
    return {"run": run_json(run, ctx.default_experiment_id())}


@router.get("/runs/get")
def get_run(ctx: MlflowDep, run_id: str = "", run_uuid: str = "") -> dict[str, Any]:
    run = ctx.run(run_id or run_uuid, "read")
    return {"run": run_json(run, ctx.default_experiment_id())}


@router.post("/runs/update")
def update_run(body: UpdateRun, ctx: MlflowDep) -> dict[str, Any]:
    run = ctx.run(body.id, "write")
    changes: dict[str, Any] = {}
    if body.status:
        changes["status"] = _status(body.status)
    if body.end_time is not None:
        changes["end_time"] = body.end_time
    if body.run_name:
        changes["name"] = body.run_name
        ctx.store.set_tags(run.id, {RUN_NAME_TAG: body.run_name})
    updated = ctx.store.update_run(run.id, RunUpdate(**changes))
    return {"run_info": run_info_json(updated, ctx.default_experiment_id())}


@router.post("/runs/delete")
def delete_run(body: RunRef, ctx: MlflowDep) -> dict[str, Any]:
    run = ctx.run(body.id, "write")
    if run.deleted_at is None:
        ctx.store.delete_run(run.id)
    return {}


@router.post("/runs/restore")
def restore_run(body: RunRef, ctx: MlflowDep) -> dict[str, Any]:
    run = ctx.run(body.id, "write")
    ctx.store.restore_run(run.id)
    return {}


def _search(body: SearchRuns, ctx: MlflowContext) -> dict[str, Any]:
    view = body.run_view_type.upper()
    if view not in ("ACTIVE_ONLY", "DELETED_ONLY", "ALL"):
        raise InvalidInput(
            f"run_view_type: expected ACTIVE_ONLY, DELETED_ONLY or ALL, got {body.run_view_type!r}",
            field="run_view_type",
        )
    if not body.experiment_ids:
        return {"runs": []}
    experiment_ids = [ctx.experiment(eid, "read").id for eid in body.experiment_ids]
    default_id = ctx.default_experiment_id()
    search = RunSearch(
        experiment_ids=experiment_ids,
        filter=translate_filter(body.filter or "", default_id),
        order_by=translate_order_by(body.order_by),
        limit=body.max_results,
        page_token=body.page_token or None,
        include_deleted=view != "ACTIVE_ONLY",
    )
    found = ctx.store.search_runs(search)
    runs: list[RunPublic] = found.runs
    if view == "DELETED_ONLY":
        runs = [r for r in runs if r.deleted_at is not None]
    out: dict[str, Any] = {"runs": [run_json(r, default_id) for r in runs]}
    if found.next_page_token:
        out["next_page_token"] = found.next_page_token
    return out


@router.post("/runs/search")
def search_runs(body: SearchRuns, ctx: MlflowDep) -> dict[str, Any]:
    return _search(body, ctx)
