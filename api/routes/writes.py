"""Batched writes: many typed write records (run creation, params, tags, metric batches, status,
links, known artifact content) in one request, applied in order and answered one by one."""

from __future__ import annotations

from fastapi import APIRouter

from runway_core.errors import PayloadTooLarge
from runway_core.schemas.writes import WriteBatch, WriteResults

from ..deps import SettingsDep, StoreDep

router = APIRouter(tags=["writes"])


@router.post("/writes", response_model=WriteResults)
def apply_writes(body: WriteBatch, store: StoreDep, settings: SettingsDep) -> WriteResults:
    """Apply ``writes`` in order, each on its own. Every write gets a result with the status
    it would have had as its own request: a refused one (4xx) does not stop the others; when
    the store fails (5xx) that write and all later ones are answered 503, not applied."""
    limit = settings.max_writes_per_request
    if len(body.writes) > limit:
        raise PayloadTooLarge(
            f"{len(body.writes)} writes in one request; the limit is {limit} "
            "(RUNWAY_MAX_WRITES_PER_REQUEST)",
            field="writes",
        )
    results = store.apply_writes(body.writes)
    return WriteResults(data=results, count=len(results))
