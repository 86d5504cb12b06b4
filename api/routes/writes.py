"""Batched writes: many typed write records (run creation, params, tags, metric batches, status,
links, known artifact content) in one request, applied in order and answered one by one."""

from __future__ import annotations

from fastapi import APIRouter, Request

from runway_core.errors import PayloadTooLarge
from runway_core.schemas.writes import MetricsWrite, WriteBatch, WriteResults

from ..access import as_caller
from ..deps import SettingsDep, StoreDep
from ..prometheus import count_ingest

router = APIRouter(tags=["writes"])


@router.post("/writes", response_model=WriteResults)
def apply_writes(
    body: WriteBatch, request: Request, store: StoreDep, settings: SettingsDep
) -> WriteResults:
    """Apply ``writes`` in order, each on its own. Every write gets a result with the status
    it would have had as its own request: one refused for the state it meets (404, 409) does
    not stop the others; when the store fails (5xx) that write and all later ones are answered
    503, not applied. A write that is not valid input refuses the whole request (400 naming
    ``writes.N.field``) and nothing is applied: send the writes one by one to learn which.
    With authentication on, every run written must be in a project the caller may write (or
    be created by the batch in one it may create); otherwise the whole request is refused (404,
    or 403 for a project it may only read) and nothing is applied. Creating a project makes
    the caller its admin in the same transaction: of two callers creating one project at once,
    the other is refused as for any project it holds no role in."""
    limit = settings.max_writes_per_request
    if len(body.writes) > limit:
        raise PayloadTooLarge(
            f"{len(body.writes)} writes in one request; the limit is {limit} "
            "(RUNWAY_MAX_WRITES_PER_REQUEST)",
            field="writes",
        )
    for i, write in enumerate(body.writes):  # the same cap as POST /runs/{id}/metrics
        if isinstance(write, MetricsWrite) and len(write.batch.metrics) > settings.max_batch_keys:
            raise PayloadTooLarge(
                f"writes[{i}]: {len(write.batch.metrics)} metric keys in one batch; the limit "
                f"is {settings.max_batch_keys} (RUNWAY_MAX_BATCH_KEYS)",
                field=f"writes.{i}.batch.metrics",
            )
    with as_caller(request):  # a project created here is the caller's, in the same transaction
        results = store.apply_writes(body.writes)
    applied = [(w, r) for w, r in zip(body.writes, results, strict=True) if r.ok]
    points = sum(
        len(series.values)
        for write, _ in applied
        if isinstance(write, MetricsWrite)
        for series in write.batch.metrics.values()
    )
    count_ingest(request, points=points, writes=len(applied))
    return WriteResults(data=results, count=len(results))
