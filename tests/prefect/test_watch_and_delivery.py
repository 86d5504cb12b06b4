"""Flows with no Runway code recorded by ``runway prefect watch``, and a tracked flow that runs
while the Runway server is unreachable."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prefect import flow, task

import runway
import runway.prefect
from runway_core import tracking
from runway_core.tracking import external_run_id
from tests.conftest import LiveServer

RUNWAY = [sys.executable, "-m", "runway.cli"]


@task
def double(x: int) -> int:
    return 2 * x


@flow(name="untracked")
def untracked(n: int = 2) -> int:
    return double(n) + double.submit(n + 1).result()


def watch(api: str, spool: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*RUNWAY, "prefect", "watch", "--prefect-api-url", api, "--once", *args],
        env={**os.environ, "RUNWAY_SPOOL_DIR": str(spool)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_watcher_records_a_flow_with_no_runway_code_once(
    runway_env: LiveServer, project: str, prefect_api: str, tmp_path: Path
) -> None:
    first = untracked(3, return_state=True)
    done = watch(prefect_api, tmp_path / "spool", "--flow", "untracked")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("recorded ") == 1
    with runway.Client(runway_env.url) as client:
        (run,) = [r for r in client.search_runs(project=project) if r.parent_run_id is None]
    assert run.id == external_run_id(f"prefect:flow-run:{first.state_details.flow_run_id}")
    assert run.status == "finished" and run.params == {"n": 3}
    assert run.source == "prefect" and run.source_ids["flow_name"] == "untracked"
    assert run.start_time is not None and run.end_time is not None
    with runway.Client(runway_env.url) as client:
        kids = client.search_runs(project=project, filter=f"attributes.parent_run_id = '{run.id}'")
    assert len(kids) == 2 and all(k.status == "finished" for k in kids)

    # Restarted: only the new flow run is recorded, nothing twice.
    second = untracked(4, return_state=True)
    again = watch(prefect_api, tmp_path / "spool", "--flow", "untracked")
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("recorded ") == 1
    assert list((tmp_path / "spool").glob("prefect-watch-*.json"))
    with runway.Client(runway_env.url) as client:
        runs = client.search_runs(project=project, limit=None)
    flows = [r for r in runs if r.parent_run_id is None]
    assert sorted(r.params["n"] for r in flows) == [3, 4]
    assert len(runs) == 6
    assert second.is_completed()


@flow(name="watched-child")
def watched_child(n: int) -> int:
    return double(n)


@flow(name="watched-parent")
def watched_parent(n: int = 1) -> int:
    return watched_child(n) + 1


def test_the_watcher_records_a_subflow_as_a_child_run_of_its_parent(
    runway_env: LiveServer, project: str, prefect_api: str, tmp_path: Path
) -> None:
    state = watched_parent(5, return_state=True)
    done = watch(
        prefect_api, tmp_path / "spool", "--flow", "watched-parent", "--flow", "watched-child"
    )
    assert done.returncode == 0, done.stderr
    with runway.Client(runway_env.url) as client:
        runs = client.search_runs(project=project, limit=None)
    by_id = {r.id: r for r in runs}
    parent = by_id[external_run_id(f"prefect:flow-run:{state.state_details.flow_run_id}")]
    (child,) = [r for r in runs if r.parent_run_id == parent.id]  # no task run for the call
    assert child.source_ids["flow_name"] == "watched-child" and child.params == {"n": 5}
    (task_run,) = [r for r in runs if r.parent_run_id == child.id]
    assert task_run.source_ids["task_key"].startswith("double")
    assert len(runs) == 3


def test_the_watcher_refuses_a_bad_url_in_one_line(tmp_path: Path) -> None:
    done = watch("localhost:4200", tmp_path / "spool")
    assert done.returncode != 0
    assert "--prefect-api-url must be an http(s) URL" in done.stderr
    assert "Traceback" not in done.stderr


# -- the Runway server is down during the flow -----------------------------------------------------


@task
def step(i: int) -> float:
    runway.log({"progress": float(i)})
    return float(i)


@runway.prefect.track
@flow(name="offline-flow")
def offline_flow(steps: int = 3) -> float:
    return sum(step(i) for i in range(steps))


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_a_flow_completes_while_runway_is_down_and_runway_sync_delivers_later(
    runway_env: LiveServer, project: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNWAY_TRACKING_URI", _dead_url())
    started = time.monotonic()
    state = offline_flow(3, return_state=True)
    elapsed = time.monotonic() - started
    assert state.is_completed()
    assert elapsed < 15  # no request timeout was waited out (a flow alone takes ~1-2 s)
    assert tracking.flush(timeout=10)
    spool = tmp_path / "spool"
    assert any(spool.rglob("*")), "the writes were not spooled"

    synced = subprocess.run(
        [*RUNWAY, "sync", "--tracking-uri", runway_env.url],
        env={**os.environ, "RUNWAY_SPOOL_DIR": str(spool)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert synced.returncode == 0, synced.stderr + synced.stdout
    assert "refused" not in synced.stdout  # children replayed after their parent run
    flow_run_id = state.state_details.flow_run_id
    with runway.Client(runway_env.url) as client:
        run = client.get_run(external_run_id(f"prefect:flow-run:{flow_run_id}"))
        kids = client.search_runs(project=project, filter=f"attributes.parent_run_id = '{run.id}'")
        progress = client.get_metric_history(run.id, "progress")
    assert run.status == "finished" and run.params == {"steps": 3}
    assert len(kids) == 3 and all(k.status == "finished" for k in kids)
    assert sorted(progress.values) == [0.0, 1.0, 2.0]


def test_a_runway_server_that_never_answers_does_not_slow_the_flow(
    runway_env: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        monkeypatch.setenv("RUNWAY_TRACKING_URI", f"http://127.0.0.1:{port}")
        monkeypatch.setenv("RUNWAY_HTTP_TIMEOUT", "30")
        started = time.monotonic()
        state = offline_flow(2, return_state=True)
        elapsed = time.monotonic() - started
    assert state.is_completed()
    # One bounded wait for the first contact (1 s) and one for the final flush (2 s), not the
    # 30 s request timeout.
    assert elapsed < 20, elapsed
