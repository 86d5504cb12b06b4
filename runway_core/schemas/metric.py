"""Metrics on the wire: columnar batches in, histories out."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict, StrictInt

from runway_core.schemas._common import Schema


class MetricSeriesIn(Schema):
    """One key of a columnar batch; ``None`` in values means NaN (JSON has no NaN), and ±infinity
    is stored as NaN (summaries' min and max are over the finite values).

    Strict: ``"1.5"``, ``true`` or ``1.0`` as a step are refused, not silently converted.
    """

    steps: list[StrictInt] | None = None
    timestamps: list[StrictInt] | None = None
    values: list[Annotated[float, Strict()] | None] = Field(
        description="null (or a bare NaN) is NaN; ±Infinity (or a number beyond the float range "
        "such as 1e999) is stored as NaN"
    )


class MetricBatch(Schema):
    """Columnar metric batch: per key, parallel arrays of steps, timestamps and values."""

    batch_id: str | None = Field(default=None, max_length=64)
    metrics: dict[str, MetricSeriesIn]


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
