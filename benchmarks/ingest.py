"""Ingest, search and history benchmark against a real ``runway server`` on SQLite.

    python benchmarks/ingest.py [--runs 100] [--metrics 10] [--steps 1000] [--search-runs 10000]

Prints points/s for columnar ingest through HttpStore (the SDK's transport), the median latency
of a metric-filtered, metric-sorted search over many runs, and the median latency of a
1,000,000-point history downsampled to 1,000 points, each with its target and ratio.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import Server

from runway_core.schemas import (
    ExperimentCreate,
    MetricBatch,
    MetricSeriesIn,
    ProjectCreate,
    RunCreate,
    RunSearch,
    RunStatus,
)
from runway_core.store.http import HttpStore
from runway_core.store.sql import SqlStore

TARGET_POINTS_PER_S = 300_000
TARGET_SEARCH_MS = 50
TARGET_HISTORY_MS = 100
MLFLOW_POINTS_PER_S = 8_700  # MLflow 3.17 server on SQLite through log_batch, same machine class


def bench_ingest(url: str, runs: int, metrics: int, steps: int, threads: int) -> float:
    store = HttpStore(url)
    project = store.create_project(ProjectCreate(name="bench-ingest"))
    exp = store.create_experiment(project.id, ExperimentCreate(name="ingest"))
    run_ids = [r.id for r in store.create_runs([RunCreate(experiment_id=exp.id)] * runs)]
    rng = random.Random(0)
    now = int(time.time() * 1000)
    # One request per run: every metric key with all its steps, as the SDK's flusher sends.
    batches = [
        MetricBatch(
            batch_id=f"bench-{i}",
            metrics={
                f"metric_{k}": MetricSeriesIn(
                    steps=list(range(steps)),
                    timestamps=[now + s for s in range(steps)],
                    values=[rng.random() for _ in range(steps)],
                )
                for k in range(metrics)
            },
        )
        for i in range(runs)
    ]
    stores = [HttpStore(url) for _ in range(threads)]
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(
            pool.map(lambda i: stores[i % threads].log_metrics(run_ids[i], batches[i]), range(runs))
        )
    elapsed = time.perf_counter() - start
    return runs * metrics * steps / elapsed


def seed_search(db_uri: str, n_runs: int) -> tuple[str, str]:
    """Write n_runs runs with params and metrics straight into the database file."""
    store = SqlStore(db_uri)
    project = store.create_project(ProjectCreate(name="bench-search", primary_metric="acc"))
    exps = [store.create_experiment(project.id, ExperimentCreate(name=f"e{i}")) for i in range(10)]
    rng = random.Random(1)
    for chunk in range(0, n_runs, 1000):
        created = store.create_runs(
            [
                RunCreate(
                    experiment_id=exps[(chunk + i) % 10].id,
                    status=RunStatus.finished,
                    params={"lr": rng.choice([0.1, 0.01, 0.001]), "model": rng.choice("ab")},
                )
                for i in range(min(1000, n_runs - chunk))
            ]
        )
        for run in created:
            store.log_metrics(
                run.id,
                MetricBatch(
                    metrics={
                        "acc": MetricSeriesIn(values=[rng.random()]),
                        "loss": MetricSeriesIn(values=[rng.random()]),
                    }
                ),
            )
    store.close()
    return project.id, exps[0].id


def median_ms(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--metrics", type=int, default=10)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--search-runs", type=int, default=10_000)
    ap.add_argument("--history-points", type=int, default=1_000_000)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db_uri = f"sqlite:///{folder / 'bench.db'}"
        print(f"seeding {args.search_runs} runs for search …", flush=True)
        project_id, _ = seed_search(db_uri, args.search_runs)
        server = Server(folder, db_uri)
        try:
            pps = bench_ingest(server.url, args.runs, args.metrics, args.steps, args.threads)
            store = HttpStore(server.url)

            search = RunSearch(
                project_id=project_id,
                filter="metrics.acc > 0.5 and params.lr < 0.05",
                order_by=["metrics.acc desc"],
                limit=100,
            )
            page = store.search_runs(search)
            assert (
                page.runs and page.runs[0].metrics["acc"].last >= page.runs[-1].metrics["acc"].last
            )
            search_ms = median_ms(lambda: store.search_runs(search), 30)
            # Filter on one metric, sort by another: the index cannot serve both.
            cross = RunSearch(
                project_id=project_id,
                filter="metrics.loss < 0.5",
                order_by=["metrics.acc desc"],
                limit=100,
            )
            cross_ms = median_ms(lambda: store.search_runs(cross), 30)

            exp = store.create_experiment(project_id, ExperimentCreate(name="history"))
            run = store.create_run(RunCreate(experiment_id=exp.id))
            per = 10_000
            rng = random.Random(2)
            for start in range(0, args.history_points, per):
                store.log_metrics(
                    run.id,
                    MetricBatch(
                        metrics={
                            "loss": MetricSeriesIn(
                                steps=list(range(start, start + per)),
                                timestamps=[0] * per,
                                values=[rng.random() for _ in range(per)],
                            )
                        }
                    ),
                )
            series = store.get_metric_history(run.id, "loss", max_points=1000)
            assert series.total_points == args.history_points and len(series.steps) == 1000
            history_ms = median_ms(
                lambda: store.get_metric_history(run.id, "loss", max_points=1000), 20
            )
        finally:
            server.stop()

    points = args.runs * args.metrics * args.steps
    print()
    print(f"{'measure':<48}{'value':>14}{'target':>12}{'ratio':>9}")
    print(
        f"{f'ingest, {points:,} points, points/s':<48}{pps:>14,.0f}{TARGET_POINTS_PER_S:>12,}"
        f"{pps / TARGET_POINTS_PER_S:>8.2f}x"
    )
    print(
        f"{'  vs MLflow log_batch (8,700 points/s)':<48}{'':>14}{'':>12}"
        f"{pps / MLFLOW_POINTS_PER_S:>8.0f}x"
    )
    print(
        f"{f'search {args.search_runs:,} runs (filter+sort acc), ms':<48}{search_ms:>14.1f}"
        f"{TARGET_SEARCH_MS:>12}{TARGET_SEARCH_MS / search_ms:>8.2f}x"
    )
    print(
        f"{'  filter on loss, sort by acc, median ms':<48}{cross_ms:>14.1f}"
        f"{TARGET_SEARCH_MS:>12}{TARGET_SEARCH_MS / cross_ms:>8.2f}x"
    )
    print(
        f"{f'history {args.history_points:,} → 1,000 points, median ms':<48}{history_ms:>14.1f}"
        f"{TARGET_HISTORY_MS:>12}{TARGET_HISTORY_MS / history_ms:>8.2f}x"
    )
    print("(ratio > 1 means the target is met)")


if __name__ == "__main__":
    main()
