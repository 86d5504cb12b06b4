"""Runs: create (one or many), read, update status, delete and restore; their params and tags."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from runway_core.schemas import RunCreate, RunPublic, RunUpdate
from runway_core.schemas.writes import RunStart

from ..access import as_caller
from ..deps import SettingsDep, StoreDep
from ..limits import check_params, check_runs, check_tags
from ..schemas import ParamsLog, RunsBulkCreate, RunsPublic, TagsSet

router = APIRouter(prefix="/runs", tags=["runs"])
NO_CONTENT = status.HTTP_204_NO_CONTENT


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RunPublic)
def create_run(
    body: RunCreate, request: Request, store: StoreDep, settings: SettingsDep
) -> RunPublic:
    """``parent_run_id`` must name a run in a project the caller may read, ``sweep_id`` a sweep
    of the run's project (else 404, alike for an unknown id and another's)."""
    check_runs([body], settings)
    with as_caller(request):
        return store.create_run(body)


@router.post("/bulk", status_code=status.HTTP_201_CREATED, response_model=RunsPublic)
def create_runs(
    body: RunsBulkCreate, request: Request, store: StoreDep, settings: SettingsDep
) -> RunsPublic:
    """Register many runs in one transaction: all are stored, or none. At most
    ``RUNWAY_MAX_BULK_RUNS`` runs (1,000 unless configured) per request: more is a 413."""
    check_runs(body.runs, settings)
    with as_caller(request):
        runs = store.create_runs(body.runs)
    return RunsPublic(data=runs, count=len(runs))


@router.post("/ensure", response_model=RunPublic)
def ensure_run(body: RunStart, request: Request, store: StoreDep) -> RunPublic:
    """Get-or-create by ``id``: the project and experiment (by name, created when missing) and
    the run with its params, tags and reproduction fields, in one transaction. A run that
    exists is returned unchanged, so clients retry safely. A project created here has its
    creator as admin."""
    with as_caller(request):
        return store.ensure_run(body)


@router.get("/{run_id}", response_model=RunPublic)
def get_run(run_id: str, store: StoreDep) -> RunPublic:
    return store.get_run(run_id)


@router.patch("/{run_id}", response_model=RunPublic)
def update_run(run_id: str, body: RunUpdate, store: StoreDep) -> RunPublic:
    return store.update_run(run_id, body)


@router.delete("/{run_id}", status_code=NO_CONTENT)
def delete_run(run_id: str, store: StoreDep) -> None:
    """Soft delete: the run disappears from reads and search until restored."""
    store.delete_run(run_id)


@router.post("/{run_id}/restore", response_model=RunPublic)
def restore_run(run_id: str, store: StoreDep) -> RunPublic:
    return store.restore_run(run_id)


@router.post("/{run_id}/params", status_code=NO_CONTENT)
def log_params(run_id: str, body: ParamsLog, store: StoreDep, settings: SettingsDep) -> None:
    """Add params; changing an existing param's value is a 409 unless ``overwrite`` is true."""
    check_params(body.params, settings)
    store.log_params(run_id, body.params, overwrite=body.overwrite)


@router.post("/{run_id}/tags", status_code=NO_CONTENT)
def set_tags(run_id: str, body: TagsSet, store: StoreDep, settings: SettingsDep) -> None:
    check_tags(body.tags, settings)
    store.set_tags(run_id, body.tags)


@router.delete("/{run_id}/tags/{key:path}", status_code=NO_CONTENT)
def delete_tag(run_id: str, key: str, store: StoreDep) -> None:
    store.delete_tag(run_id, key)
