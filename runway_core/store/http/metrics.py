"""Metric batches and histories over the REST API."""

from __future__ import annotations

import math

from runway_core.schemas import MetricBatch, MetricBatchResult, MetricSeries
from runway_core.store.http.base import HttpBase, dump, encode, segment
from runway_core.validation import LONE_SURROGATE


def _batch_body(batch: MetricBatch) -> bytes:
    # NaN travels as null (pydantic's JSON, the fast path). Infinity is a valid metric value but
    # pydantic would also write it as null, so a batch holding one goes out with bare tokens.
    has_inf = any(math.inf in s.values or -math.inf in s.values for s in batch.metrics.values())
    # pydantic's JSON turns a lone surrogate into U+FFFD: let the server see (and refuse,
    # naming the key) what the caller gave.
    text = [*batch.metrics, batch.batch_id or ""]
    if any(LONE_SURROGATE.search(t) for t in text if not t.isascii()):
        return encode(batch.model_dump())
    return dump(batch) if has_inf else batch.model_dump_json().encode()


class MetricsMixin(HttpBase):
    def log_metrics(self, run_id: str, batch: MetricBatch) -> MetricBatchResult:
        body = self._request("POST", f"/runs/{segment(run_id)}/metrics", content=_batch_body(batch))
        return MetricBatchResult.model_validate(body)

    def get_metric_history(
        self, run_id: str, key: str, *, max_points: int | None = None
    ) -> MetricSeries:
        params = {"max_points": max_points} if max_points is not None else None
        body = self._request(
            "GET", f"/runs/{segment(run_id)}/metrics/{segment(key)}", params=params
        )
        return MetricSeries.model_validate(body)
