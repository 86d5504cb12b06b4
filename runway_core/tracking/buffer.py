"""In-memory metric buffer of one run: validated at the call site, drained as columnar batches.

``add()`` is the training loop's hot path, so it does the least work that still refuses bad
input where the user can see it: keys are checked once and remembered, values are coerced with
one ``type()`` test in the common case.
"""

from __future__ import annotations

import math
import operator
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from runway_core.errors import InvalidInput
from runway_core.schemas import MetricBatch, MetricSeriesIn
from runway_core.validation import check_key

# A single log() call with more keys than this is refused: it is almost always a bug (logging
# a whole tensor or a per-sample dict) and one call must stay well under the request size limit.
MAX_KEYS_PER_LOG = 1000
# Largest batch the flusher sends in one request; a bigger backlog is split.
MAX_POINTS_PER_BATCH = 50_000
_MAX_STEP = 2**63 - 1


def metric_value(key: str, value: Any) -> float:
    """A finite float or NaN; ±inf becomes NaN (JSON and the charts have no infinity)."""
    if isinstance(value, (str, bytes, bool)) or value is None:
        raise InvalidInput(
            f"metrics.{key}: value must be a number, got {type(value).__name__} {value!r:.40}",
            field=f"metrics.{key}",
        )
    try:
        number = float(value)  # ints, numpy scalars, 0-d tensors
    except (TypeError, ValueError):
        raise InvalidInput(
            f"metrics.{key}: value must be a number, got {type(value).__name__}",
            field=f"metrics.{key}",
        ) from None
    return number if math.isfinite(number) else math.nan


def metric_step(step: Any) -> int:
    if isinstance(step, bool):
        raise InvalidInput("step must be an integer, got bool", field="step")
    try:
        number = operator.index(step)
    except TypeError:
        raise InvalidInput(
            f"step must be an integer, got {type(step).__name__} {step!r:.40}", field="step"
        ) from None
    if not -_MAX_STEP <= number <= _MAX_STEP:
        raise InvalidInput(f"step {number} does not fit in 64 bits", field="step")
    return number


class _Series:
    __slots__ = ("steps", "timestamps", "values")

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.timestamps: list[int] = []
        self.values: list[float] = []


class MetricBuffer:
    """Points waiting to be sent, per key; steps auto-increment per key when not given."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._series: dict[str, _Series] = {}
        self._next_step: dict[str, int] = {}
        self._known_keys: set[str] = set()
        self.pending = 0  # points buffered; read without the lock (an estimate is enough)

    def add(
        self, metrics: Mapping[str, Any], step: int | None = None, timestamp: int | None = None
    ) -> int:
        """Validate all values first (a refused call buffers nothing), then append them."""
        if not isinstance(metrics, Mapping):
            raise InvalidInput(
                f"metrics must be a dict of key → number, got {type(metrics).__name__}",
                field="metrics",
            )
        if len(metrics) > MAX_KEYS_PER_LOG:
            raise InvalidInput(
                f"metrics: {len(metrics)} keys in one call; the limit is {MAX_KEYS_PER_LOG}",
                field="metrics",
            )
        if step is not None:
            step = metric_step(step)
        ts = int(time.time() * 1000) if timestamp is None else int(timestamp)
        known = self._known_keys
        items = []
        for key, value in metrics.items():
            if key not in known:
                check_key(key, f"metrics.{key}" if isinstance(key, str) else "metrics")
                known.add(key)
            if type(value) is not float:
                value = metric_value(key, value)
            elif value - value:  # NaN or ±inf (inf - inf is NaN); finite gives 0.0
                value = math.nan
            items.append((key, value))
        with self._lock:
            series_by_key = self._series
            next_step = self._next_step
            for key, value in items:
                series = series_by_key.get(key)
                if series is None:
                    series = series_by_key[key] = _Series()
                s = next_step.get(key, 0) if step is None else step
                series.steps.append(s)
                series.timestamps.append(ts)
                series.values.append(value)
                next_step[key] = s + 1
            self.pending += len(items)
        return len(items)

    def forked(self) -> MetricBuffer:
        """An empty buffer for a forked child: the parent sends what it had buffered; the
        child keeps counting steps where the parent was."""
        child = MetricBuffer()
        child._next_step = dict(self._next_step)
        child._known_keys = set(self._known_keys)
        return child

    def drain(self) -> list[MetricBatch]:
        """Take everything buffered, as batches of at most ``MAX_POINTS_PER_BATCH`` points."""
        with self._lock:
            series_by_key, self._series = self._series, {}
            self.pending = 0
        return list(_batches(series_by_key))


def _batches(series_by_key: dict[str, _Series]) -> Iterator[MetricBatch]:
    metrics: dict[str, MetricSeriesIn] = {}
    size = 0
    for key, series in series_by_key.items():
        # A Ctrl-C raised inside add() may leave the last point half-appended: drop it.
        count = min(len(series.steps), len(series.timestamps), len(series.values))
        start = 0
        while start < count:
            end = min(count, start + MAX_POINTS_PER_BATCH - size)
            metrics[key] = MetricSeriesIn(
                steps=series.steps[start:end],
                timestamps=series.timestamps[start:end],
                values=[None if v != v else v for v in series.values[start:end]],
            )
            size += end - start
            start = end
            if size >= MAX_POINTS_PER_BATCH:
                yield new_batch(metrics)
                metrics, size = {}, 0
    if metrics:
        yield new_batch(metrics)


def new_batch(metrics: dict[str, MetricSeriesIn]) -> MetricBatch:
    return MetricBatch(batch_id=uuid.uuid4().hex, metrics=metrics)
