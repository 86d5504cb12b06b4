"""Metrics on the wire: columnar batches in, histories out."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict, StrictInt

from runway_core.schemas._common import Schema
from runway_core.schemas._rules import STEP_ITEMS, TIMESTAMP_ITEMS, key_schema


class MetricSeriesIn(Schema):
    """One key of a columnar batch; ``None`` in values means NaN (JSON has no NaN), and ±infinity
    is stored as NaN (summaries' min and max are over the finite values).

    Strict: ``"1.5"``, ``true`` or ``1.0`` as a step are refused, not silently converted.
    """

    steps: list[StrictInt] | None = Field(default=None, json_schema_extra=STEP_ITEMS)
    timestamps: list[StrictInt] | None = Field(default=None, json_schema_extra=TIMESTAMP_ITEMS)
    values: list[Annotated[float, Strict()] | None] = Field(
        json_schema_extra={"minItems": 1},
        description="null (or a bare NaN) is NaN; ±Infinity (or a number beyond the float range "
        "such as 1e999) is stored as NaN",
    )


class MetricBatch(Schema):
    """Columnar metric batch: per key, parallel arrays of steps, timestamps and values."""

    batch_id: str | None = Field(default=None, max_length=64)
    metrics: dict[str, MetricSeriesIn] = Field(
        json_schema_extra={"propertyNames": key_schema()},
        description="per key, a series; at most RUNWAY_MAX_BATCH_KEYS keys",
    )


class MetricBatchResult(Schema):
    points: int
    duplicate: bool = False


class MetricSeries(Schema):
    """A metric history as parallel arrays, in step order (possibly downsampled)."""

    run_id: str
    key: str
    steps: list[int]
    timestamps: list[int]
    values: list[float | None]
    total_points: int
    downsampled: bool = False
