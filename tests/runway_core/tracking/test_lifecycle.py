"""The run lifecycle adapters build on: start, attach by external key, the current run per
thread and task, resolvers, the barrier, and waiting for a run's last writes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import runway
from runway_core import tracking
from runway_core.errors import InvalidInput
from runway_core.store.http import HttpStore


def test_threads_and_tasks_each_log_to_their_own_run(sqlite_uri: str) -> None:
    """Module-level ``runway.log`` in two threads and two asyncio tasks, each with its own
    ``init()``, interleaved: no point lands in another's run."""
    ids: dict[str, str] = {}
    started = threading.Barrier(2)

    def in_thread(label: str) -> None:
        run = runway.init(project="ctx", experiment=label, tracking_uri=sqlite_uri, capture=False)
        ids[label] = run.id
        started.wait()
        for step in range(200):
            runway.log({label: float(step)})
            if step % 20 == 0:
                time.sleep(0.001)  # let the other thread in
        runway.finish()

    async def in_task(label: str) -> None:
        run = runway.init(project="ctx", experiment=label, tracking_uri=sqlite_uri, capture=False)
        ids[label] = run.id
        for step in range(200):
            runway.log({label: float(step)})
            if step % 20 == 0:
                await asyncio.sleep(0)  # let the other task in
        runway.finish()

    async def both_tasks() -> None:
        await asyncio.gather(in_task("task-a"), in_task("task-b"))

    threads = [threading.Thread(target=in_thread, args=(n,)) for n in ("thread-a", "thread-b")]
    for thread in threads:
        thread.start()
    asyncio.run(both_tasks())
    for thread in threads:
        thread.join(60)
    with runway.Client(sqlite_uri) as client:
        for label, run_id in ids.items():
            run = client.get_run(run_id)
            assert set(run.metrics) == {label}, f"{label}: {sorted(run.metrics)}"
            assert run.metrics[label].count == 200 and run.status.value == "finished"
    assert runway.active_run() is None


def test_a_worker_thread_without_a_run_logs_to_the_process_run(sqlite_uri: str) -> None:
    run = runway.init(project="p", tracking_uri=sqlite_uri, capture=False)
    worker = threading.Thread(target=lambda: runway.log({"from_worker": 1.0}))
    worker.start()
    worker.join()
    run.finish()
    with runway.Client(sqlite_uri) as client:
        assert client.get_run(run.id).metrics["from_worker"].count == 1


def test_resolvers_find_the_run_of_a_context_that_started_none(sqlite_uri: str) -> None:
    flow_run = tracking.start_run("p", "flows", tracking_uri=sqlite_uri, capture=False)
    script_run = tracking.start_run("p", "script", tracking_uri=sqlite_uri, capture=False)
    assert tracking.current_run() is script_run  # this context started it last

    def resolver() -> tracking.RunSession | None:
        return flow_run if threading.current_thread().name == "task-worker" else None

    seen: list[object] = []
    tracking.register_run_resolver(resolver)
    try:
        for name in ("task-worker", "other-worker"):
            thread = threading.Thread(target=lambda: seen.append(tracking.current_run()), name=name)
            thread.start()
            thread.join()
    finally:
        tracking.unregister_run_resolver(resolver)
    # The resolver wins over the process fallback; without it, the run started last.
    assert seen == [flow_run, script_run]
    with tracking.using(flow_run):
        assert tracking.current_run() is flow_run
        runway.log({"x": 1.0})
    assert tracking.current_run() is script_run
    script_run.finish()
    assert tracking.current_run() is flow_run  # the run started before it, still open
    flow_run.finish()
    assert tracking.current_run() is None


ATTACH = """
    import sys, time
    from runway_core import tracking

    go = float(sys.argv[2])
    while time.time() < go:
        time.sleep(0.001)
    run = tracking.attach_run(
        "prefect:flow-run:4711", "flows", "etl", params={"worker": sys.argv[1]},
        tags={"w" + sys.argv[1]: "yes"}, tracking_uri=sys.argv[3], capture=False,
    )
    run.log({"worker" + sys.argv[1]: 1.0})
    run.finish(wait=True)
    print(run.id)
"""


def test_processes_attaching_with_one_key_at_once_get_one_run(tmp_path: Path, live_server) -> None:
    script = tmp_path / "attach.py"
    script.write_text(textwrap.dedent(ATTACH))
    go = f"{time.time() + 2.0:.3f}"  # both start, then attach at the same moment
    env = {**os.environ, "RUNWAY_SILENT": "true"}
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(i), go, live_server.url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(4)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    run_ids = {out.strip() for out, _ in outputs}
    assert run_ids == {tracking.external_run_id("prefect:flow-run:4711")}
    with runway.Client(live_server.url) as client:
        (run,) = client.search_runs(project="flows")
        assert run.source_ids == {"external_key": "prefect:flow-run:4711"}
        assert set(run.metrics) == {f"worker{i}" for i in range(4)}
        assert run.tags == {f"w{i}": "yes" for i in range(4)}
        assert run.params["worker"] in {"0", "1", "2", "3"}
        assert run.status.value == "finished"


def test_finish_wait_and_the_barrier_make_writes_visible_to_any_reader(live_server) -> None:
    run = tracking.start_run("p", "e", tracking_uri=live_server.url, capture=False)
    for step in range(50):
        run.log({"loss": 1.0 / (step + 1)})
    run.finish(wait=True)
    with HttpStore(live_server.url) as reader:  # a reader that knows nothing of this process
        stored = reader.get_run(run.id)
        assert stored.status.value == "finished" and stored.metrics["loss"].count == 50
    other = tracking.start_run("p", "e", tracking_uri=live_server.url, capture=False)
    other.log_params({"late": True})
    assert tracking.flush(timeout=30)
    with HttpStore(live_server.url) as reader:
        assert reader.get_run(other.id).params == {"late": True}
    # tracking.open_store is the process's store, after the barrier.
    other.set_tags({"t": "v"})
    assert tracking.open_store(live_server.url).get_run(other.id).tags == {"t": "v"}
    other.finish(wait=True)


def test_bad_input_to_start_run_is_refused_at_the_call(sqlite_uri: str) -> None:
    with pytest.raises(InvalidInput, match="run_id must be 32"):
        tracking.start_run("p", tracking_uri=sqlite_uri, run_id="short", capture=False)
    with pytest.raises(InvalidInput, match="mode must be one of"):
        tracking.start_run("p", tracking_uri=sqlite_uri, mode="sometimes")
    with pytest.raises(InvalidInput, match="capture: unknown part"):
        tracking.start_run("p", tracking_uri=sqlite_uri, capture={"gitt": False})
    with pytest.raises(InvalidInput, match="status must be"):
        tracking.start_run("p", tracking_uri=sqlite_uri, capture=False).finish("done")
    with pytest.raises(InvalidInput, match=r"^source: "):
        tracking.start_run("p", tracking_uri=sqlite_uri, capture=False, source="cron")
    with pytest.raises(InvalidInput, match=r"source_ids\.x: NaN"):
        tracking.start_run("p", tracking_uri=sqlite_uri, source_ids={"x": float("nan")})
