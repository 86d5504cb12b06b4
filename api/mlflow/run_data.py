"""MLflow's logging endpoints: log-metric, log-parameter, set-tag, delete-tag, log-batch,
log-inputs.

MLflow logs one metric point per ``log-metric`` call; each becomes a one-point chunk, and the
store merges a run's small chunks when the run ends (``runway_core.store.sql.compaction``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter
from pydantic import Field, ValidationError

from runway_core.errors import Conflict, InvalidInput
from runway_core.schemas import MetricBatch, MetricSeriesIn, RunPublic, RunUpdate, now_ms
from runway_core.validation import MAX_TAG_VALUE_LENGTH, clean_tags, flatten_params

from ..errors import invalid_input_from_errors
from .context import MlflowContext, MlflowDep
from .errors import MlflowError, MlflowRoute
from .experiments import Body, KeyValue
from .mapping import INPUTS_TAG, parse_metric_value
from .runs import RUN_NAME_TAG, RunRef

router = APIRouter(route_class=MlflowRoute)

# MLflow's limits for one log-batch request (service.proto, mlflow/utils/validation.py).
MAX_METRICS = 1000
MAX_PARAMS = 100
MAX_TAGS = 100
MAX_ENTITIES = 1000
_BULKY = ("schema", "profile")


class Metric(Body):
    key: str
    value: Any = None
    timestamp: int | None = None
    step: int = 0


class LogMetric(RunRef, Metric):
    pass


class LogParam(RunRef, KeyValue):
    pass


class SetTag(RunRef, KeyValue):
    pass


class DeleteTag(RunRef):
    key: str = ""


class LogBatch(RunRef):
    metrics: list[Metric] = Field(default_factory=list)
    params: list[KeyValue] = Field(default_factory=list)
    tags: list[KeyValue] = Field(default_factory=list)


class DatasetInput(Body):
    tags: list[KeyValue] = Field(default_factory=list)
    dataset: dict[str, Any]


class LogInputs(RunRef):
    datasets: list[DatasetInput] = Field(default_factory=list)


def _live(ctx: MlflowContext, run_id: str) -> RunPublic:
    run = ctx.run(run_id, "write")
    if run.deleted_at is not None:
        raise MlflowError(
            f"The run {run.id} must be in the 'active' state; it is deleted.", "INVALID_STATE"
        )
    return run


def _metric_batch(metrics: Sequence[Metric]) -> MetricBatch | None:
    """The points as one columnar batch (validated, nothing written yet)."""
    if not metrics:
        return None
    series: dict[str, dict[str, list[Any]]] = {}
    stamp = now_ms()
    for i, m in enumerate(metrics):
        if not m.key:
            raise InvalidInput(f"metrics[{i}].key: a metric key is required", field="key")
        cols = series.setdefault(m.key, {"steps": [], "timestamps": [], "values": []})
        cols["steps"].append(m.step)
        cols["timestamps"].append(m.timestamp if m.timestamp is not None else stamp)
        cols["values"].append(parse_metric_value(m.value))
    try:
        return MetricBatch(metrics={k: MetricSeriesIn(**cols) for k, cols in series.items()})
    except ValidationError as exc:
        raise invalid_input_from_errors(exc.errors(include_url=False)) from None


def _log_metrics(ctx: MlflowContext, run_id: str, metrics: Sequence[Metric]) -> None:
    batch = _metric_batch(metrics)
    if batch is not None:
        ctx.store.log_metrics(run_id, batch)


def _set_tags(ctx: MlflowContext, run: RunPublic, tags: dict[str, str]) -> None:
    if not tags:
        return
    if INPUTS_TAG in tags:
        raise InvalidInput(f"tags.{INPUTS_TAG}: this tag is reserved by Runway", field="key")
    ctx.store.set_tags(run.id, tags)
    if RUN_NAME_TAG in tags and tags[RUN_NAME_TAG] != run.name:
        ctx.store.update_run(run.id, RunUpdate(name=tags[RUN_NAME_TAG]))


@router.post("/runs/log-metric")
def log_metric(body: LogMetric, ctx: MlflowDep) -> dict[str, Any]:
    run = _live(ctx, body.id)
    _log_metrics(ctx, run.id, [body])
    return {}


@router.post("/runs/log-parameter")
def log_parameter(body: LogParam, ctx: MlflowDep) -> dict[str, Any]:
    run = _live(ctx, body.id)
    _log_params(ctx, run.id, [body])
    return {}


def _log_params(ctx: MlflowContext, run_id: str, params: Sequence[KeyValue]) -> None:
    if not params:
        return
    values: dict[str, str] = {}
    for p in params:
        if p.key in values and values[p.key] != p.value:
            raise InvalidInput(
                f"params.{p.key}: logged twice in one batch with different values",
                field=p.key,
            )
        values[p.key] = p.value
    # A dotted MLflow key ("model.C") stays one Runway key: flattening leaves it alone.
    try:
        ctx.store.log_params(run_id, values)
    except Conflict as exc:  # MLflow refuses a changed param as a bad value
        raise MlflowError(exc.message, "INVALID_PARAMETER_VALUE") from None


@router.post("/runs/set-tag")
def set_tag(body: SetTag, ctx: MlflowDep) -> dict[str, Any]:
    run = _live(ctx, body.id)
    _set_tags(ctx, run, {body.key: body.value})
    return {}


@router.post("/runs/delete-tag")
def delete_tag(body: DeleteTag, ctx: MlflowDep) -> dict[str, Any]:
    run = _live(ctx, body.id)
    ctx.store.delete_tag(run.id, body.key)
    return {}


@router.post("/runs/log-batch")
def log_batch(body: LogBatch, ctx: MlflowDep) -> dict[str, Any]:
    for what, items, limit in (
        ("metrics", body.metrics, MAX_METRICS),
        ("params", body.params, MAX_PARAMS),
        ("tags", body.tags, MAX_TAGS),
    ):
        if len(items) > limit:
            raise InvalidInput(
                f"A batch logging request can contain at most {limit} {what}. "
                f"Got {len(items)} {what}. Please split up {what} across multiple requests "
                "and try again.",
                field=what,
            )
    total = len(body.metrics) + len(body.params) + len(body.tags)
    if total > MAX_ENTITIES:
        raise InvalidInput(
            f"A batch logging request can contain at most {MAX_ENTITIES} metrics, params and "
            f"tags in total. Got {total}.",
            field="metrics",
        )
    run = _live(ctx, body.id)
    # Everything is checked before anything is written: a bad tag must not leave the
    # batch's metrics stored and its params not.
    batch = _metric_batch(body.metrics)
    tags = {t.key: t.value for t in body.tags}
    clean_tags(tags)
    flatten_params({p.key: p.value for p in body.params})
    _log_params(ctx, run.id, body.params)
    if batch is not None:
        ctx.store.log_metrics(run.id, batch)
    _set_tags(ctx, run, tags)
    return {}


@router.post("/runs/log-inputs")
def log_inputs(body: LogInputs, ctx: MlflowDep) -> dict[str, Any]:
    run = _live(ctx, body.id)
    if not body.datasets:
        return {}
    for i, d in enumerate(body.datasets):
        for field in ("name", "digest", "source_type", "source"):
            if not d.dataset.get(field):
                raise InvalidInput(
                    f"datasets[{i}].dataset.{field}: required", field=f"datasets.{i}.{field}"
                )
    known = json.loads(run.tags.get(INPUTS_TAG, "[]"))
    seen = {(k["dataset"]["name"], k["dataset"]["digest"]) for k in known}
    for d in body.datasets:
        if (d.dataset["name"], d.dataset["digest"]) not in seen:
            known.append({"tags": [t.model_dump() for t in d.tags], "dataset": d.dataset})
    text = json.dumps(known)
    if len(text) > MAX_TAG_VALUE_LENGTH:  # schemas and profiles can be long: keep what fits
        for k in known:
            k["dataset"] = {f: v for f, v in k["dataset"].items() if f not in _BULKY}
        while len(text := json.dumps(known)) > MAX_TAG_VALUE_LENGTH:
            known.pop(0)
    ctx.store.set_tags(run.id, {INPUTS_TAG: text})
    return {}
