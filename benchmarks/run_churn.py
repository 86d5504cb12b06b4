"""Cost of short runs (sweeps, task hooks) against a real ``runway server``, as a user runs them.

    python benchmarks/run_churn.py [--runs 400] [--steps 10] [--warmup 20]

One process starts many short runs with the default capture: ``runway.init()``, one metric
logged ``steps`` times, ``run.finish()``. Prints the time ``init()`` and ``finish()`` take on the
caller's thread once warm (median and p95) and the short runs per second from one process,
counted until every write has reached the server (then checked through ``runway.Client``),
with the targets and the ratio to MLflow's client (16 short runs/s on this machine).
Runs on older checkouts too (without ``tracking.flush``, ``finish()`` itself waited).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import Server

TARGET_CALL_MS = 5.0
TARGET_RUNS_PER_S = 200.0
MLFLOW_RUNS_PER_S = 16.0
# This script run with main's checkout before the run lifecycle (commit ffcd110), same machine:
# init() + finish() 258 ms median, 3.6 short runs/s (the machine busy; about 7 when quiet).
BEFORE_CALL_MS = 258.0
BEFORE_RUNS_PER_S = 3.6


def _barrier() -> None:
    """Wait until every queued write of this process reached the server (new SDK only)."""
    try:
        from runway_core.tracking import flush
    except ImportError:  # the old SDK's finish() was synchronous
        return
    flush()


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def short_run(steps: int, name: str) -> tuple[float, float, str]:
    import runway

    t0 = time.perf_counter()
    run = runway.init(project="churn", experiment="short", name=name, params={"i": name})
    t1 = time.perf_counter()
    for step in range(steps):
        run.log({"loss": 1.0 / (step + 1)})
    t2 = time.perf_counter()
    run.finish()
    t3 = time.perf_counter()
    return (t1 - t0) * 1e3, (t3 - t2) * 1e3, run.id


def measure(runs: int, steps: int, warmup: int) -> None:
    import runway

    with tempfile.TemporaryDirectory(prefix="runway-churn-") as tmp:
        folder = Path(tmp)
        os.environ["RUNWAY_SPOOL_DIR"] = str(folder / "spool")
        os.environ["RUNWAY_SILENT"] = "true"
        server = Server(folder)
        os.environ["RUNWAY_TRACKING_URI"] = server.url
        try:
            for i in range(warmup):
                short_run(steps, f"warm-{i}")
            _barrier()
            inits: list[float] = []
            finishes: list[float] = []
            ids: list[str] = []
            started = time.perf_counter()
            for i in range(runs):
                init_ms, finish_ms, run_id = short_run(steps, f"run-{i}")
                inits.append(init_ms)
                finishes.append(finish_ms)
                ids.append(run_id)
            _barrier()
            elapsed = time.perf_counter() - started
            with runway.Client(server.url) as client:
                bad = [
                    r
                    for r in ids
                    if (run := client.get_run(r)).status.value != "finished"
                    or run.metrics["loss"].count != steps
                ]
        finally:
            server.stop()
    both = [a + b for a, b in zip(inits, finishes, strict=True)]
    per_s = runs / elapsed
    print(f"runway short runs ({runs} runs, 1 metric x {steps} steps, default capture)")
    for label, values in (("init()", inits), ("finish()", finishes), ("init()+finish()", both)):
        print(
            f"  {label:<16} median {statistics.median(values):7.2f} ms   p95 {_p95(values):7.2f} ms"
            f"   (target <= {TARGET_CALL_MS:.0f} ms each, on the caller's thread)"
        )
    print(f"  short runs/s     {per_s:7.1f}   (target >= {TARGET_RUNS_PER_S:.0f})")
    ratio = per_s / MLFLOW_RUNS_PER_S
    print(f"  vs MLflow's client ({MLFLOW_RUNS_PER_S:.0f} runs/s): {ratio:.1f}x")
    print(
        f"  vs before the run lifecycle ({BEFORE_CALL_MS:.0f} ms, {BEFORE_RUNS_PER_S} runs/s): "
        f"{BEFORE_CALL_MS / statistics.median(both):,.0f}x less per run on the caller's thread, "
        f"{per_s / BEFORE_RUNS_PER_S:.0f}x the runs per second"
    )
    if bad:
        sys.exit(f"{len(bad)} runs were not stored whole (e.g. {bad[0]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    measure(args.runs, args.steps, args.warmup)


if __name__ == "__main__":
    main()
