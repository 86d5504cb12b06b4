"""The writes a tracked run makes, as records that can be sent now or replayed from the spool.

``apply_record`` performs one record against a ``Store`` and turns failures into ``Transient``
(retry later) or ``Rejected`` (the store refused it; retrying cannot help).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from runway_core.errors import AlreadyExists, RunwayError
from runway_core.schemas import (
    ExperimentCreate,
    MetricBatch,
    ProjectCreate,
    RunCreate,
    RunPublic,
    RunUpdate,
)
from runway_core.store.protocol import Store
from runway_core.tracking.spool import Rejected, Spool, SyncResult, Transient


def is_transient(exc: BaseException) -> bool:
    """Server down, 5xx, database locked, network errors: worth retrying. 4xx and bugs: not
    (those records move to the spool's ``rejected/`` folder, still on disk)."""
    if isinstance(exc, RunwayError):
        return exc.status >= 500
    import httpx
    from sqlalchemy.exc import DBAPIError

    return isinstance(exc, (OSError, httpx.TransportError, DBAPIError, TimeoutError))


def ensure_run(store: Store, project: str, experiment: str, run: RunCreate) -> RunPublic:
    """Get-or-create the project and experiment by name, then create the run (idempotent when
    ``run.id`` is set: a run that already exists is returned as it is)."""
    if run.id:
        try:
            return store.get_run(run.id)
        except RunwayError as exc:
            if exc.status != 404:
                raise
    project_id = store.create_project(ProjectCreate(name=project), exist_ok=True).id
    experiment_id = store.create_experiment(
        project_id, ExperimentCreate(name=experiment), exist_ok=True
    ).id
    run = run.model_copy(update={"experiment_id": experiment_id})
    try:
        return store.create_run(run)
    except AlreadyExists:
        if not run.id:
            raise
        return store.get_run(run.id)


def apply_record(store: Store, record: dict[str, Any], spool: Spool | None = None) -> Any:
    """Perform one record; raise ``Transient`` or ``Rejected`` on failure."""
    try:
        return _apply(store, record, spool)
    except FileNotFoundError:
        return None  # a spooled artifact copy already uploaded and removed by an earlier replay
    except Rejected:
        raise
    except Exception as exc:
        if is_transient(exc):
            raise Transient(f"{type(exc).__name__}: {exc}") from exc
        raise Rejected(f"{type(exc).__name__}: {exc}") from exc


def _apply(store: Store, record: dict[str, Any], spool: Spool | None) -> Any:
    op, run_id, data = record["op"], record["run_id"], record["data"]
    if op == "metrics":
        return store.log_metrics(run_id, MetricBatch.model_validate(data))
    if op == "params":
        return store.log_params(run_id, data["params"], overwrite=data.get("overwrite", False))
    if op == "tags":
        return store.set_tags(run_id, data["tags"])
    if op == "update_run":
        return store.update_run(run_id, RunUpdate.model_validate(data))
    if op == "create_run":
        run = RunCreate.model_validate(data["run"])
        return ensure_run(store, data["project"], data["experiment"], run)
    if op == "link":
        return store.link_artifact(run_id, data["path"], data["uri"])
    if op == "artifact":
        source = Path(data["file"])
        if not data.get("blob") and not source.is_file():
            # Over the spool's copy limit, so only its path was kept; it is gone now.
            raise Rejected(f"artifact {data['path']}: {source} no longer exists")
        if data.get("blob"):
            if spool is None:
                raise Rejected("artifact copy needs the spool folder")
            source = spool.blob(data["blob"])
        with source.open("rb") as f:
            result = store.log_artifact(run_id, data["path"], f, kind=data.get("kind", "file"))
        if data.get("blob"):
            source.unlink(missing_ok=True)
        return result
    raise Rejected(f"unknown spool op {op!r}")


def sync_spool(
    spool: Spool | None = None,
    *,
    tracking_uri: str | None = None,
    open_store: Callable[[str], Store] | None = None,
    on_record: Callable[[dict[str, Any]], None] | None = None,
) -> SyncResult:
    """Upload every spool file, oldest first. ``tracking_uri`` overrides each record's target.

    A file whose store is unreachable is kept whole from the first record that failed.
    """
    from runway_core.store import open_store as default_open

    spool = spool or Spool()
    opener = open_store or default_open
    stores: dict[str, Store] = {}
    result = SyncResult()

    def apply(record: dict[str, Any]) -> None:
        uri = tracking_uri or record["uri"]
        if uri not in stores:
            try:
                stores[uri] = opener(uri)
            except Exception as exc:
                raise Transient(f"cannot open {uri}: {exc}") from exc
        apply_record(stores[uri], record, spool)

    try:
        for path in spool.files():
            replay = spool.replay(path, apply, on_record=on_record)
            result.files += 1
            result.applied += replay.applied
            result.rejected += replay.rejected
            result.remaining += replay.remaining
            if replay.error:
                result.errors.append(f"{path.name}: {replay.error}")
    finally:
        for store in stores.values():
            store.close()
    return result
