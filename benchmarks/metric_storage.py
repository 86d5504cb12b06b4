"""Chunked metric storage against one row per point, on the same SQLite file system.

    python benchmarks/metric_storage.py [--points 1000000] [--batch 1000]

Writes the same series both ways (a bulk insert per batch) and reads it back whole, printing
points/s, bytes on disk and the ratios. This is the measurement behind DESIGN.md's choice of
chunks for metric storage.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from runway_core.schemas import (
    ExperimentCreate,
    MetricBatch,
    MetricSeriesIn,
    ProjectCreate,
    RunCreate,
)
from runway_core.store.sql import SqlStore


def rows_per_point(
    path: Path, series: list[tuple[list[int], list[int], list[float]]]
) -> tuple[float, float]:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        "CREATE TABLE metrics (run_id TEXT, key TEXT, step INTEGER, timestamp INTEGER, "
        "value REAL, PRIMARY KEY (run_id, key, step, timestamp))"
    )
    t = time.perf_counter()
    for steps, stamps, values in series:
        with db:
            db.executemany(
                "INSERT INTO metrics VALUES ('r', 'loss', ?, ?, ?)",
                zip(steps, stamps, values, strict=True),
            )
    write = time.perf_counter() - t
    t = time.perf_counter()
    rows = db.execute(
        "SELECT step, timestamp, value FROM metrics WHERE run_id='r' AND key='loss' ORDER BY step"
    ).fetchall()
    read = time.perf_counter() - t
    assert len(rows) == sum(len(s[0]) for s in series)
    db.close()
    return write, read


def chunks(
    path: Path, series: list[tuple[list[int], list[int], list[float]]]
) -> tuple[float, float]:
    store = SqlStore(f"sqlite:///{path}")
    p = store.create_project(ProjectCreate(name="p"))
    e = store.create_experiment(p.id, ExperimentCreate(name="e"))
    run = store.create_run(RunCreate(experiment_id=e.id))
    t = time.perf_counter()
    for steps, stamps, values in series:
        store.log_metrics(
            run.id,
            MetricBatch(
                metrics={"loss": MetricSeriesIn(steps=steps, timestamps=stamps, values=values)}
            ),
        )
    write = time.perf_counter() - t
    t = time.perf_counter()
    hist = store.get_metric_history(run.id, "loss")
    read = time.perf_counter() - t
    assert hist.total_points == sum(len(s[0]) for s in series)
    store.close()
    return write, read


def size(path: Path) -> int:
    return sum(os.path.getsize(p) for p in path.parent.glob(path.name + "*"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=1000)
    args = ap.parse_args()
    rng = random.Random(0)
    series = []
    for start in range(0, args.points, args.batch):
        steps = list(range(start, start + args.batch))
        series.append(
            (steps, [1_700_000_000_000 + s for s in steps], [rng.random() for _ in steps])
        )
    with tempfile.TemporaryDirectory() as tmp:
        rp, cp = Path(tmp) / "rows.db", Path(tmp) / "chunks.db"
        rw, rr = rows_per_point(rp, series)
        cw, cr = chunks(cp, series)
        rs, cs = size(rp), size(cp)
    n = args.points
    print(f"{'storage':<22}{'write pts/s':>14}{'read pts/s':>14}{'disk MiB':>10}")
    print(f"{'one row per point':<22}{n / rw:>14,.0f}{n / rr:>14,.0f}{rs / 2**20:>10.1f}")
    print(f"{'chunks (Runway)':<22}{n / cw:>14,.0f}{n / cr:>14,.0f}{cs / 2**20:>10.1f}")
    print(f"{'ratio chunks/rows':<22}{rw / cw:>13.1f}x{rr / cr:>13.1f}x{rs / cs:>9.1f}x smaller")


if __name__ == "__main__":
    main()
