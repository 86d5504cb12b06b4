"""Cost of Runway's Prefect hooks per task run.

    python benchmarks/prefect_hooks.py [--tasks 100] [--repeats 3] [--tracking-uri URI]

Under a temporary Prefect server (``prefect_test_harness``), runs a flow calling a trivial task
``--tasks`` times, untracked and then tracked with ``runway.prefect.track`` (each task run a
child run; runs go to an embedded SQLite store in a temporary folder unless ``--tracking-uri``
names a server). Prints, per task run: the flow's wall time untracked and tracked, their
difference, and the time spent inside Runway's task hooks (measured around the hook calls).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_hook_seconds: list[float] = []


def _timed(hook: Callable[..., None]) -> Callable[..., None]:
    def timed(*args: Any) -> None:
        started = time.perf_counter()
        try:
            hook(*args)
        finally:
            _hook_seconds.append(time.perf_counter() - started)

    timed.__name__ = hook.__name__
    return timed


def measure(tasks: int, repeats: int, tracking_uri: str | None) -> None:
    from prefect import flow, task
    from prefect.testing.utilities import prefect_test_harness

    import runway.prefect
    from runway_core import tracking

    @task
    def work(i: int) -> int:
        return i + 1

    def body(n: int) -> int:
        return sum(work(i) for i in range(n))

    plain = flow(name="bench-plain")(body)
    tracked = runway.prefect.track(project="bench")(flow(name="bench-tracked")(body))
    for option in ("on_running", "on_completion", "on_failure"):
        hooks = getattr(work, f"{option}_hooks")
        hooks[:] = [_timed(h) if h.__name__.startswith("runway_") else h for h in hooks]

    with tempfile.TemporaryDirectory(prefix="runway-bench-") as tmp:
        os.environ["RUNWAY_SPOOL_DIR"] = str(Path(tmp) / "spool")
        os.environ["RUNWAY_TRACKING_URI"] = tracking_uri or f"sqlite:///{Path(tmp) / 'r.db'}"
        os.environ["RUNWAY_SILENT"] = "true"
        with prefect_test_harness(server_startup_timeout=120):
            plain(2)
            tracked(2)  # warm-up: imports, connections, first run
            tracking.flush()
            untracked_ms, tracked_ms, hook_ms = [], [], []
            for _ in range(repeats):
                started = time.perf_counter()
                plain(tasks)
                untracked_ms.append((time.perf_counter() - started) * 1000 / tasks)
                _hook_seconds.clear()
                started = time.perf_counter()
                tracked(tasks)
                tracked_ms.append((time.perf_counter() - started) * 1000 / tasks)
                hook_ms.append(sum(_hook_seconds) * 1000 / tasks)
                tracking.flush()
    without, with_hooks = statistics.median(untracked_ms), statistics.median(tracked_ms)
    print(f"task runs per flow: {tasks}, repeats: {repeats} (medians, ms per task run)")
    print(f"  without hooks: {without:8.2f} ms")
    print(f"  with hooks:    {with_hooks:8.2f} ms")
    print(f"  difference:    {with_hooks - without:8.2f} ms")
    print(
        f"  inside Runway's task hooks (running + completion): {statistics.median(hook_ms):.2f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tracking-uri", default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    home = tempfile.mkdtemp(prefix="runway-bench-prefect-")
    os.environ.setdefault("PREFECT_HOME", home)
    measure(args.tasks, args.repeats, args.tracking_uri)
    return 0


if __name__ == "__main__":
    sys.exit(main())
