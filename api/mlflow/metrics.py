"""MLflow's metric history endpoints: get-history and get-history-bulk-interval."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from runway_core.errors import InvalidInput, NotFound
from runway_core.schemas import MetricSeries

from .context import MlflowContext, MlflowDep
from .errors import MlflowRoute
from .mapping import metric_value
from .paging import page

router = APIRouter(route_class=MlflowRoute)

# MLflow's bulk-interval limits (handlers.py): 100 runs, 2,500 points per run by default.
MAX_BULK_RUNS = 100
MAX_BULK_POINTS = 2500


def _history(ctx: MlflowContext, run_id: str, key: str) -> MetricSeries | None:
    run = ctx.run(run_id, "read")
    if key not in run.metrics:
        return None  # MLflow answers an empty history for a key the run never logged
    try:
        return ctx.store.get_metric_history(run.id, key)
    except NotFound:
        return None


def _points(series: MetricSeries, indexes: range | list[int]) -> list[dict[str, Any]]:
    return [
        {
            "key": series.key,
            "value": metric_value(series.values[i]),
            "timestamp": series.timestamps[i],
            "step": series.steps[i],
        }
        for i in indexes
    ]


@router.get("/metrics/get-history")
def get_metric_history(
    ctx: MlflowDep,
    metric_key: str,
    run_id: str = "",
    run_uuid: str = "",
    max_results: int | None = Query(None, ge=1, le=25_000),
    page_token: str | None = None,
) -> dict[str, Any]:
    series = _history(ctx, run_id or run_uuid, metric_key)
    points = _points(series, range(len(series.steps))) if series else []
    items, token = page(points, max_results, page_token)
    out: dict[str, Any] = {"metrics": items}
    if token:
        out["next_page_token"] = token
    return out


def _sample(steps: list[int], wanted: int) -> list[int]:
    """Indexes of at most ``wanted`` points spread evenly over the steps, ends included."""
    if len(steps) <= wanted:
        return list(range(len(steps)))
    if wanted == 1:
        return [len(steps) - 1]
    last = len(steps) - 1
    return sorted({round(i * last / (wanted - 1)) for i in range(wanted)})


@router.get("/metrics/get-history-bulk-interval")
def get_history_bulk_interval(
    ctx: MlflowDep,
    metric_key: str,
    start_step: int | None = None,
    end_step: int | None = None,
    max_results: int = Query(MAX_BULK_POINTS, ge=1, le=MAX_BULK_POINTS),
) -> dict[str, Any]:
    run_ids = ctx.request.query_params.getlist("run_ids")
    if not run_ids:
        raise InvalidInput("run_ids: at least one run id is required", field="run_ids")
    if len(run_ids) > MAX_BULK_RUNS:
        raise InvalidInput(
            f"run_ids: at most {MAX_BULK_RUNS} runs per request, got {len(run_ids)}",
            field="run_ids",
        )
    if (start_step is None) != (end_step is None):
        raise InvalidInput("start_step and end_step must be given together", field="start_step")
    if start_step is not None and end_step is not None and start_step > end_step:
        raise InvalidInput("start_step must not be greater than end_step", field="start_step")
    out = []
    for run_id in run_ids:
        series = _history(ctx, run_id, metric_key)
        if series is None:
            continue
        inside = [
            i
            for i, s in enumerate(series.steps)
            if start_step is None or end_step is None or start_step <= s <= end_step
        ]
        chosen = [inside[i] for i in _sample([series.steps[i] for i in inside], max_results)]
        for point in _points(series, chosen):
            out.append({**point, "run_id": series.run_id})
    return {"metrics": out}
