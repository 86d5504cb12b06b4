"""Cost of ``run.log()`` in the training loop, per logged value.

    python benchmarks/sdk_overhead.py [--steps 20000] [--keys 10]

Logs ``steps`` x ``keys`` values to an embedded SQLite store in a temporary folder (the
background thread writes them meanwhile), then prints the time per logged value and per
call, the time ``finish()`` needed to drain, and the ratio to MLflow's synchronous
``log_metric`` (about 6.5 ms per call on this machine).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

MLFLOW_SYNC_CALL_US = 6500.0
TARGET_US = 5.0


def measure(steps: int, keys: int, repeats: int) -> None:
    import runway

    names = [f"metric_{k}" for k in range(keys)]
    with tempfile.TemporaryDirectory(prefix="runway-bench-") as tmp:
        os.environ["RUNWAY_SPOOL_DIR"] = str(Path(tmp) / "spool")
        uri = f"sqlite:///{Path(tmp) / 'runway.db'}"
        per_value: list[float] = []
        per_call: list[float] = []
        drains: list[float] = []
        for r in range(repeats):
            run = runway.init(
                project="bench",
                experiment="overhead",
                name=f"r{r}",
                tracking_uri=uri,
                capture=False,
            )
            values = [{name: 0.5 + i * 1e-6 for name in names} for i in range(256)]
            t0 = time.perf_counter()
            for step in range(steps):
                run.log(values[step & 255], step=step)
            elapsed = time.perf_counter() - t0
            t1 = time.perf_counter()
            run.finish()
            drains.append(time.perf_counter() - t1)
            per_value.append(elapsed / (steps * keys) * 1e6)
            per_call.append(elapsed / steps * 1e6)
        with runway.Client(uri) as client:
            stored = client.get_metric_history(run.id, names[0]).total_points
    value_us = statistics.median(per_value)
    call_us = statistics.median(per_call)
    print(f"runway SDK overhead ({steps} steps x {keys} keys, median of {repeats} runs)")
    print(f"  per logged value : {value_us:8.2f} us   (target <= {TARGET_US:.0f} us)")
    print(f"  per log() call   : {call_us:8.2f} us   ({keys} values per call)")
    print(f"  finish() drain   : {statistics.median(drains) * 1e3:8.1f} ms")
    print(f"  points stored    : {stored} per key (expected {steps})")
    print(
        f"  vs MLflow sync log_metric ({MLFLOW_SYNC_CALL_US / 1000:.1f} ms per call): "
        f"{MLFLOW_SYNC_CALL_US / value_us:,.0f}x less per value, "
        f"{MLFLOW_SYNC_CALL_US / call_us:,.0f}x less per call"
    )
    if stored != steps:
        sys.exit("stored point count does not match")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--keys", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    measure(args.steps, args.keys, args.repeats)


if __name__ == "__main__":
    main()
