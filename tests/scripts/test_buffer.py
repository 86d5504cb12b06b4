"""The metric buffer on its own: per-key steps, columnar batches, size limits."""

from __future__ import annotations

import math

from runway_core.tracking.buffer import MAX_POINTS_PER_BATCH, MetricBuffer


def test_steps_auto_increment_per_key_and_explicit_steps_continue() -> None:
    buffer = MetricBuffer()
    buffer.add({"a": 1.0, "b": 2.0})
    buffer.add({"a": 3.0})
    buffer.add({"b": 4.0}, step=10)
    buffer.add({"b": 5, "a": math.nan})
    (batch,) = buffer.drain()
    assert batch.batch_id and len(batch.batch_id) == 32
    assert batch.metrics["a"].steps == [0, 1, 2]
    assert batch.metrics["a"].values == [1.0, 3.0, None]  # NaN travels as null
    assert batch.metrics["b"].steps == [0, 10, 11]
    assert batch.metrics["b"].values == [2.0, 4.0, 5.0]
    assert buffer.drain() == [] and buffer.pending == 0


def test_a_large_backlog_is_split_into_batches_with_distinct_ids() -> None:
    buffer = MetricBuffer()
    n = MAX_POINTS_PER_BATCH + 10
    for i in range(n):
        buffer.add({"x": float(i), "y": 0.0})
    batches = buffer.drain()
    sizes = [sum(len(s.values) for s in b.metrics.values()) for b in batches]
    assert sum(sizes) == 2 * n and max(sizes) <= MAX_POINTS_PER_BATCH
    assert len({b.batch_id for b in batches}) == len(batches)
    xs = [v for b in batches if "x" in b.metrics for v in b.metrics["x"].values]
    assert xs == [float(i) for i in range(n)]
