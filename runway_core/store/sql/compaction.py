"""Merging a series' small chunks into few large ones, once a run is over.

Each ingest batch becomes one chunk per key, so a script that flushes every second leaves many
small chunks. When a run reaches a final status its chunks are rewritten in step order (stable,
so equal steps keep the order they were logged in) as chunks of up to ``CHUNK_POINTS`` points.
History reads return exactly the same points before and after.
"""

from __future__ import annotations

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from runway_core.metrics.packing import pack_floats, pack_ints, unpack_floats, unpack_ints
from runway_core.models import MetricChunk

CHUNK_POINTS = 10_000
# Below this many chunks, or when chunks are already large on average, merging gains nothing.
MIN_CHUNKS = 8
SMALL_AVERAGE = CHUNK_POINTS // 4


def compact_series(session: Session, run_id: str, key: str) -> int:
    """Rewrite one series' chunks; returns how many chunks it had before (0: left alone)."""
    rows = session.exec(
        select(MetricChunk)
        .where(MetricChunk.run_id == run_id, MetricChunk.key == key)
        .order_by(col(MetricChunk.step_min), col(MetricChunk.id))
    ).all()
    total = sum(r.count for r in rows)
    if len(rows) < MIN_CHUNKS or total / len(rows) >= SMALL_AVERAGE:
        return 0
    steps: list[int] = []
    stamps: list[int] = []
    values: list[float] = []
    for row in rows:
        steps.extend(unpack_ints(row.steps))
        stamps.extend(unpack_ints(row.timestamps))
        values.extend(unpack_floats(row.values))
    order = sorted(range(total), key=steps.__getitem__)  # stable: ties keep logged order
    session.execute(delete(MetricChunk).where(col(MetricChunk.id).in_([r.id for r in rows])))
    new_rows = []
    for start in range(0, total, CHUNK_POINTS):
        idx = order[start : start + CHUNK_POINTS]
        s = [steps[i] for i in idx]
        v = [values[i] for i in idx]
        # Over finite values: NaN, and ±inf that a server before the inf→NaN rule stored.
        finite = [x for x in v if x - x == 0.0]
        new_rows.append(
            {
                "run_id": run_id,
                "key": key,
                "step_min": s[0],
                "step_max": s[-1],
                "count": len(idx),
                "vmin": min(finite) if finite else None,
                "vmax": max(finite) if finite else None,
                "steps": pack_ints(s),
                "timestamps": pack_ints([stamps[i] for i in idx]),
                "values": pack_floats(v),
            }
        )
    session.execute(insert(MetricChunk), new_rows)
    return len(rows)


def series_keys(session: Session, run_id: str) -> list[str]:
    return list(
        session.exec(select(MetricChunk.key).where(MetricChunk.run_id == run_id).distinct()).all()
    )
