"""Metric ingest (columnar batches → one chunk per key) and history reads with downsampling."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, insert
from sqlmodel import Session, col, select

from runway_core.errors import AlreadyExists, InvalidInput, NotFound
from runway_core.metrics.downsample import lttb_indices
from runway_core.metrics.packing import pack_floats, pack_ints, unpack_floats, unpack_ints
from runway_core.models import IngestedBatch, MetricChunk, MetricSummary
from runway_core.models._common import now_ms
from runway_core.schemas import MetricBatch, MetricBatchResult, MetricSeries, MetricSeriesIn
from runway_core.store.sql.base import SqlBase
from runway_core.store.sql.slices import in_slices
from runway_core.validation import MAX_EPOCH_MS, check_key, check_text

INT64_MAX = 2**63 - 1
MAX_POINTS_PER_BATCH = 1_000_000


class _Prepared:
    """One key of a batch, validated, with the summary of its points."""

    __slots__ = (
        "count",
        "key",
        "last",
        "last_step",
        "last_ts",
        "steps",
        "timestamps",
        "values",
        "vmax",
        "vmin",
    )

    def __init__(self, key: str, steps: list[int], timestamps: list[int], values: list[float]):
        self.key, self.steps, self.timestamps, self.values = key, steps, timestamps, values
        n = self.count = len(values)
        finite = [v for v in values if v == v]  # NaN != NaN; ±inf are NaN already
        self.vmin = min(finite) if finite else None
        self.vmax = max(finite) if finite else None
        # The last point is the one at the highest step; among equal steps, the later one.
        best = n - 1 - max(range(n), key=lambda i: steps[n - 1 - i])
        self.last_step, self.last_ts = steps[best], timestamps[best]
        self.last = None if math.isnan(values[best]) else values[best]


def _check_range(
    items: list[int], field: str, *, minimum: int, maximum: int = INT64_MAX
) -> list[int]:
    if min(items) < minimum or max(items) > maximum:
        i, v = next((i, v) for i, v in enumerate(items) if not minimum <= v <= maximum)
        raise InvalidInput(
            f"{field}[{i}] must be an integer between {minimum} and {maximum}, got {v!r}",
            field=f"{field}.{i}",
        )
    return items


def check_batch(batch: MetricBatch) -> None:
    """The checks of ``log_metrics`` that need no database (a batch of writes makes them before
    it looks the run up, so a bad batch is refused as such)."""
    check_text(batch.batch_id, "batch_id")
    for key, series in batch.metrics.items():
        check_key(key, f"metrics.{key}")
        _prepare(key, series, 0, 0)


def _prepare(key: str, series: MetricSeriesIn, next_step: int, now: int) -> _Prepared:
    """Check one key of a batch (pydantic has already checked the element types)."""
    field = f"metrics.{key}"
    n = len(series.values)
    if n == 0:
        raise InvalidInput(f"{field}.values must not be empty", field=f"{field}.values")
    for name, arr in (("steps", series.steps), ("timestamps", series.timestamps)):
        if arr is not None and len(arr) != n:
            raise InvalidInput(
                f"{field}: {name} has {len(arr)} items but values has {n}; the arrays must have "
                "the same length",
                field=f"{field}.{name}",
            )
    # One rule on every path (as the SDK does): ±inf is stored as NaN; null is NaN. ``v - v`` is
    # 0.0 only for a finite number (inf - inf and NaN - NaN are NaN).
    values = [v if v is not None and v - v == 0.0 else math.nan for v in series.values]
    if series.steps is None and next_step + n - 1 > INT64_MAX:
        raise InvalidInput(
            f"{field}: the series' last step is near 2^63-1; its next steps cannot be counted on "
            "from there (send steps)",
            field=f"{field}.steps",
        )
    steps = (
        _check_range(series.steps, f"{field}.steps", minimum=-INT64_MAX)
        if series.steps is not None
        else list(range(next_step, next_step + n))
    )
    stamps = (
        _check_range(series.timestamps, f"{field}.timestamps", minimum=0, maximum=MAX_EPOCH_MS)
        if series.timestamps is not None
        else [now] * n
    )
    return _Prepared(key, steps, stamps, values)


class MetricsMixin(SqlBase):
    def log_metrics(self, run_id: str, batch: MetricBatch) -> MetricBatchResult:
        check_text(batch.batch_id, "batch_id")
        for key in batch.metrics:
            check_key(key, f"metrics.{key}")
        total = sum(len(s.values) for s in batch.metrics.values())
        if total > MAX_POINTS_PER_BATCH:
            raise InvalidInput(
                f"batch has {total} points; the limit is {MAX_POINTS_PER_BATCH} per request",
                field="metrics",
            )
        now = now_ms()
        try:
            with self._write() as session:
                self._live_run(session, run_id, allow_deleted=False)
                if batch.batch_id is not None:
                    # Inserted first: a concurrent retry of the same batch blocks here and then
                    # fails on the primary key, so exactly one copy is stored.
                    session.execute(
                        insert(IngestedBatch).values(batch_id=batch.batch_id, run_id=run_id)
                    )
                needs_next = [k for k, s in batch.metrics.items() if s.steps is None]
                next_steps = self._next_steps(session, run_id, needs_next)
                prepared = [
                    _prepare(key, series, next_steps.get(key, 0), now)
                    for key, series in batch.metrics.items()
                ]
                if prepared:
                    self._insert_chunks(session, run_id, prepared)
                    self._upsert_summaries(session, run_id, prepared)
        except AlreadyExists:
            # _write maps the primary-key violation of a repeated batch id to AlreadyExists.
            if batch.batch_id is not None and self._batch_seen(run_id, batch.batch_id):
                return MetricBatchResult(points=0, duplicate=True)
            raise
        return MetricBatchResult(points=total)

    def _batch_seen(self, run_id: str, batch_id: str) -> bool:
        with self._read() as session:
            return session.get(IngestedBatch, (run_id, batch_id)) is not None

    @staticmethod
    def _next_steps(session: Session, run_id: str, keys: list[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for part in in_slices(keys):
            rows = session.exec(
                select(MetricSummary.key, MetricSummary.last_step).where(
                    MetricSummary.run_id == run_id, col(MetricSummary.key).in_(part)
                )
            ).all()
            out.update((k, s + 1) for k, s in rows)
        return out

    @staticmethod
    def _insert_chunks(session: Session, run_id: str, prepared: list[_Prepared]) -> None:
        session.execute(
            insert(MetricChunk),
            [
                {
                    "run_id": run_id,
                    "key": p.key,
                    "step_min": min(p.steps),
                    "step_max": max(p.steps),
                    "count": p.count,
                    "vmin": p.vmin,
                    "vmax": p.vmax,
                    "steps": pack_ints(p.steps),
                    "timestamps": pack_ints(p.timestamps),
                    "values": pack_floats(p.values),
                }
                for p in prepared
            ],
        )

    def _upsert_summaries(self, session: Session, run_id: str, prepared: list[_Prepared]) -> None:
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert  # type: ignore[assignment]
        table = MetricSummary.__table__  # type: ignore[attr-defined]
        stmt = dialect_insert(table)
        ex = stmt.excluded
        newer = ex.last_step >= table.c.last_step
        stmt = stmt.on_conflict_do_update(
            index_elements=["run_id", "key"],
            set_={
                "last": case((newer, ex.last), else_=table.c.last),
                "last_timestamp": case((newer, ex.last_timestamp), else_=table.c.last_timestamp),
                "last_step": case((newer, ex.last_step), else_=table.c.last_step),
                "min": case(
                    (table.c.min.is_(None), ex.min),
                    (ex.min < table.c.min, ex.min),
                    else_=table.c.min,
                ),
                "max": case(
                    (table.c.max.is_(None), ex.max),
                    (ex.max > table.c.max, ex.max),
                    else_=table.c.max,
                ),
                "count": table.c.count + ex.count,
            },
        )
        session.execute(
            stmt,
            [
                {
                    "run_id": run_id,
                    "key": p.key,
                    "last": p.last,
                    "last_step": p.last_step,
                    "last_timestamp": p.last_ts,
                    "min": p.vmin,
                    "max": p.vmax,
                    "count": p.count,
                }
                for p in prepared
            ],
        )

    def get_metric_history(
        self, run_id: str, key: str, *, max_points: int | None = None
    ) -> MetricSeries:
        if max_points is not None and max_points < 3:
            raise InvalidInput("max_points must be at least 3", field="max_points")
        with self._read() as session:
            self._live_run(session, run_id, allow_deleted=True)
            chunks = session.exec(
                select(MetricChunk.steps, MetricChunk.timestamps, MetricChunk.values)
                .where(MetricChunk.run_id == run_id, MetricChunk.key == key)
                .order_by(col(MetricChunk.step_min), col(MetricChunk.id))
            ).all()
        if not chunks:
            raise NotFound(f"run {run_id!r} has no metric {key!r}", field="key")
        return _series_from_chunks(run_id, key, chunks, max_points)


def _series_from_chunks(
    run_id: str, key: str, chunks: Sequence[Any], max_points: int | None
) -> MetricSeries:
    try:
        import numpy as np
    except ImportError:
        return _series_pure(run_id, key, chunks, max_points)
    steps = np.concatenate([np.frombuffer(c[0], dtype="<i8") for c in chunks])
    stamps = np.concatenate([np.frombuffer(c[1], dtype="<i8") for c in chunks])
    values = np.concatenate([np.frombuffer(c[2], dtype="<f8") for c in chunks])
    if len(steps) > 1 and bool((steps[1:] < steps[:-1]).any()):
        order = np.argsort(steps, kind="stable")
        steps, stamps, values = steps[order], stamps[order], values[order]
    total = len(steps)
    downsampled = max_points is not None and total > max_points
    if downsampled:
        idx = np.asarray(lttb_indices(steps, values, max_points or total), dtype=np.int64)
        steps, stamps, values = steps[idx], stamps[idx], values[idx]
    vals: list[float | None] = [None if v != v else v for v in values.tolist()]
    return MetricSeries(
        run_id=run_id,
        key=key,
        steps=steps.tolist(),
        timestamps=stamps.tolist(),
        values=vals,
        total_points=total,
        downsampled=downsampled,
    )


def _series_pure(
    run_id: str, key: str, chunks: Sequence[Any], max_points: int | None
) -> MetricSeries:
    steps: list[int] = []
    stamps: list[int] = []
    values: list[float] = []
    for s, t, v in chunks:
        steps.extend(unpack_ints(s))
        stamps.extend(unpack_ints(t))
        values.extend(unpack_floats(v))
    order = sorted(range(len(steps)), key=steps.__getitem__)
    total = len(steps)
    downsampled = max_points is not None and total > max_points
    if downsampled:
        xs = [float(steps[i]) for i in order]
        ys = [values[i] for i in order]
        order = [order[i] for i in lttb_indices(xs, ys, max_points or total)]
    return MetricSeries(
        run_id=run_id,
        key=key,
        steps=[steps[i] for i in order],
        timestamps=[stamps[i] for i in order],
        values=[None if math.isnan(values[i]) else values[i] for i in order],
        total_points=total,
        downsampled=downsampled,
    )
