"""Largest-Triangle-Three-Buckets reduction of a metric series for charts.

LTTB keeps the first and last point and, per bucket, the point that forms the largest triangle
with its neighbours, so spikes and trends survive a 1000:1 reduction. Implemented with NumPy
when available (vectorised per bucket), else in pure Python.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def lttb_indices(x: Sequence[float] | Any, y: Sequence[float] | Any, threshold: int) -> list[int]:
    """Indices of the points LTTB keeps; NaN values are kept out of the triangle areas."""
    n = len(x)
    if threshold >= n or threshold < 3:
        return list(range(n)) if threshold >= n else list(range(min(n, max(threshold, 0))))
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is present in every extra that charts
        return _lttb_python(x, y, threshold)
    xs = np.asarray(x, dtype=np.float64)
    ys = np.nan_to_num(np.asarray(y, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    bucket = (n - 2) / (threshold - 2)
    edges = (np.arange(threshold - 1) * bucket).astype(np.int64) + 1
    edges[-1] = n - 1
    out = [0]
    a = 0
    for i in range(threshold - 2):
        start, end = int(edges[i]), int(edges[i + 1])
        nxt_end = int(edges[i + 2]) if i + 2 < len(edges) else n
        if i + 2 >= len(edges):
            avg_x, avg_y = xs[n - 1], ys[n - 1]
        else:
            avg_x = xs[end:nxt_end].mean()
            avg_y = ys[end:nxt_end].mean()
        bx = xs[start:end]
        by = ys[start:end]
        area = np.abs((xs[a] - avg_x) * (by - ys[a]) - (xs[a] - bx) * (avg_y - ys[a]))
        a = start + int(area.argmax())
        out.append(a)
    out.append(n - 1)
    return out


def _lttb_python(x: Sequence[float], y: Sequence[float], threshold: int) -> list[int]:
    n = len(x)
    bucket = (n - 2) / (threshold - 2)
    ys = [0.0 if (v is None or math.isnan(v)) else v for v in y]
    out = [0]
    a = 0
    for i in range(threshold - 2):
        start = int(i * bucket) + 1
        end = int((i + 1) * bucket) + 1
        nxt_end = min(int((i + 2) * bucket) + 1, n)
        if end >= n - 1 or nxt_end <= end:
            avg_x, avg_y = x[n - 1], ys[n - 1]
        else:
            span = nxt_end - end
            avg_x = sum(x[end:nxt_end]) / span
            avg_y = sum(ys[end:nxt_end]) / span
        best, best_area = start, -1.0
        for j in range(start, min(end, n - 1)):
            area = abs((x[a] - avg_x) * (ys[j] - ys[a]) - (x[a] - x[j]) * (avg_y - ys[a]))
            if area > best_area:
                best, best_area = j, area
        out.append(best)
        a = best
    out.append(n - 1)
    return out
