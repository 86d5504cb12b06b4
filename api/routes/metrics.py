"""Metrics: columnar batch ingest (the hot path) and history with optional downsampling."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from runway_core.schemas import MetricBatch, MetricBatchResult, MetricSeries

from ..deps import SettingsDep, StoreDep, parse_json_body
from ..limits import check_metric_keys
from ..prometheus import count_ingest

router = APIRouter(prefix="/runs/{run_id}/metrics", tags=["metrics"])


@router.post(
    "",
    response_model=MetricBatchResult,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/MetricBatch"}}
            },
        }
    },
)
async def log_metrics(
    run_id: str, request: Request, store: StoreDep, settings: SettingsDep
) -> MetricBatchResult:
    """Store a columnar batch: per key, parallel ``steps``, ``timestamps`` and ``values``.

    ``null`` (or a bare ``NaN``) in ``values`` is NaN; ``Infinity`` and ``-Infinity`` (or a number
    beyond the float range, such as ``1e999``) are stored as NaN, as the SDK stores them, so a
    series' ``min`` and ``max`` are over its finite values and ``last`` is null when the last
    value is not finite. The batch is one transaction; a batch
    whose ``batch_id`` was stored before is acknowledged with ``duplicate: true`` and not
    stored again. Logging to a finished run is allowed (late evaluation).

    A batch holds at most ``RUNWAY_MAX_BATCH_KEYS`` keys (10,000 unless configured): more is a
    413 ``PAYLOAD_TOO_LARGE`` naming the limit; send the keys in several batches.
    """
    # One Rust pass from bytes to the model, skipping FastAPI's json.loads + validate.
    batch = parse_json_body(MetricBatch, await request.body())
    check_metric_keys(batch.metrics, settings)
    result = await run_in_threadpool(store.log_metrics, run_id, batch)
    if not result.duplicate:
        count_ingest(request, points=result.points)
    return result


@router.get("/{key:path}", response_model=MetricSeries)
def get_metric_history(
    run_id: str,
    key: str,
    store: StoreDep,
    max_points: int | None = Query(
        None, description="downsample to about this many points (LTTB-style)"
    ),
) -> MetricSeries:
    return store.get_metric_history(run_id, key, max_points=max_points)
