"""MLflow artifacts over Runway's artifact store: ``/mlflow/artifacts/list`` and the proxied
``/mlflow-artifacts/artifacts`` upload, download and listing.

A run's ``artifact_uri`` is ``mlflow-artifacts:/<experiment>/<run>/artifacts``, so the client
sends every artifact of a run to ``…/mlflow-artifacts/artifacts/<experiment>/<run>/artifacts/
<path>``; the bytes go to the run's artifacts in Runway (local folder or S3) at ``<path>``.
"""

from __future__ import annotations

import functools
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from runway_core.errors import InvalidInput, NotFound
from runway_core.schemas import ArtifactPublic, RunPublic

from ..access import Role
from ..routes.artifacts import download_response
from ..uploads import uploads
from .context import MlflowContext, MlflowDep
from .errors import MlflowError, MlflowRoute
from .mapping import artifact_uri, mlflow_experiment_id

router = APIRouter(route_class=MlflowRoute)  # under /mlflow
proxy = APIRouter(route_class=MlflowRoute)  # under /mlflow-artifacts


def _children(items: list[ArtifactPublic], folder: str) -> list[dict[str, Any]]:
    """The entries directly inside ``folder`` (paths relative to the run's root)."""
    prefix = f"{folder}/" if folder else ""
    files: dict[str, dict[str, Any]] = {}
    for art in items:
        if not art.path.startswith(prefix):
            continue
        head, sep, _ = art.path[len(prefix) :].partition("/")
        if sep:
            files.setdefault(head, {"path": head, "is_dir": True})
        else:
            entry: dict[str, Any] = {"path": head, "is_dir": False}
            if art.size is not None:
                entry["file_size"] = art.size
            files[head] = entry
    return [files[k] for k in sorted(files)]


def _clean(path: str) -> str:
    path = path.strip("/")
    if any(part in ("", ".", "..") for part in path.split("/")) and path:
        raise InvalidInput(f"path: {path!r} is not a relative artifact path", field="path")
    return path


@router.get("/artifacts/list")
def list_artifacts(
    ctx: MlflowDep, run_id: str = "", run_uuid: str = "", path: str = ""
) -> dict[str, Any]:
    run = ctx.run(run_id or run_uuid, "read")
    folder = _clean(path)
    listed = ctx.store.list_artifacts(run.id, prefix=f"{folder}/" if folder else "")
    files = _children(listed, folder)
    for f in files:
        f["path"] = f"{folder}/{f['path']}" if folder else f["path"]
    return {"root_uri": artifact_uri(run, ctx.default_experiment_id()), "files": files}


def _locate(ctx: MlflowContext, path: str, role: Role) -> tuple[RunPublic, str] | None:
    """(run, path within its artifacts) of an mlflow-artifacts path; None above a run."""
    parts = _clean(path).split("/")
    if len(parts) < 3:
        return None
    experiment, run_id, marker, rest = parts[0], parts[1], parts[2], parts[3:]
    if marker != "artifacts":
        raise NotFound(f"no artifact at {path!r}", field="path")
    run = ctx.run(run_id, role)
    if mlflow_experiment_id(run.experiment_id, ctx.default_experiment_id()) != experiment:
        raise NotFound(f"run {run_id} is not in experiment {experiment}", field="path")
    return run, "/".join(rest)


@proxy.get("/artifacts")
def list_proxied(ctx: MlflowDep, path: str = "") -> dict[str, Any]:
    found = _locate(ctx, path, "read") if path else None
    if found is None:
        return {}
    run, folder = found
    listed = ctx.store.list_artifacts(run.id, prefix=f"{folder}/" if folder else "")
    files = _children(listed, folder)
    return {"files": files} if files else {}


@proxy.get("/artifacts/{path:path}")
def download_proxied(path: str, ctx: MlflowDep) -> Any:
    found = _locate(ctx, path, "read")
    if found is None or not found[1]:
        raise NotFound(f"no artifact at {path!r}", field="path")
    run, rel = found
    art = ctx.store.get_artifact(run.id, rel)
    stream = ctx.store.open_artifact(run.id, art.path)
    return download_response(stream, art.path.rsplit("/", 1)[-1], art.media_type, art.size)


@proxy.put("/artifacts/{path:path}")
async def upload_proxied(path: str, request: Request, ctx: MlflowDep) -> dict[str, Any]:
    found = await run_in_threadpool(_locate, ctx, path, "write")
    if found is None or not found[1]:
        raise InvalidInput(f"path: {path!r} names no file inside a run's artifacts", field="path")
    run, rel = found
    await uploads(request).take(request, functools.partial(ctx.store.log_artifact, run.id, rel))
    return {}


@proxy.delete("/artifacts/{path:path}")
def delete_proxied(path: str) -> dict[str, Any]:
    raise MlflowError(
        f"deleting artifacts ({path}) is not supported by Runway", "NOT_IMPLEMENTED", 501
    )


@router.post("/logged-models/search")
def search_logged_models(ctx: MlflowDep) -> dict[str, Any]:
    """Runway keeps no MLflow logged models; the client asks while listing a run's artifacts
    (a folder might be a model's), so the answer is an empty page, not an error."""
    del ctx
    return {"models": []}
