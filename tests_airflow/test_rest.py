"""A real Airflow deployment (``airflow standalone``: scheduler, DAG processor, API server,
LocalExecutor workers) with the plugin installed, driven through its REST API: the launcher
triggers a sweep trial, the plugin records it from the scheduler and the workers, and
``runway import airflow`` copies the same DAG runs into another Runway server, once; and
``runway sweep launch`` runs a whole sweep's trials as DAG runs. One ``airflow standalone``
(module-scoped: it takes ~100 s to start) serves every test here."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from conftest import DAGS, MEASUREMENTS, start_runway_server
from test_listener import key_id

import runway
from runway.airflow.launcher import AirflowLauncher
from runway.airflow.rest import access_token
from runway_core.errors import InvalidInput, NotFound, Unauthorized
from runway_core.processes import free_port
from runway_core.schemas.writes import RunStart

# The first test here also pays for starting `airflow standalone` (20 s idle, 100+ s when the
# main suite's workers share the 2 cores); pytest-timeout counts fixture setup in the test.
pytestmark = pytest.mark.timeout(900)
T = TypeVar("T")
PASSWORD = "runway-test-password"


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 180) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


@pytest.fixture(scope="module")
def airflow_url(runway_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``airflow standalone`` in its own session (setsid), stopped by killing its group."""
    home = tmp_path_factory.mktemp("airflow-standalone")
    (home / "passwords.json").write_text(json.dumps({"admin": PASSWORD}))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "2",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": url,
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{url}/execution/",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        "RUNWAY_TRACKING_URI": runway_server,
    }
    env.pop("RUNWAY_AIRFLOW_ENABLED", None)
    log = (home / "standalone.log").open("wb")
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "airflow"), "standalone"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # setsid: its scheduler, workers and API server in one group
    )
    try:

        def healthy() -> bool | None:
            if proc.poll() is not None:
                raise AssertionError(f"airflow standalone exited: {_tail(home)}")
            try:
                return httpx.get(f"{url}/api/v2/monitor/health", timeout=2).is_success or None
            except httpx.HTTPError:
                return None

        wait_for("airflow standalone to answer", healthy)
        print(f"\nairflow standalone healthy after {time.monotonic() - started:.1f} s")
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # children that ignored SIGTERM
        proc.wait()
        log.close()


def _tail(home: Path) -> str:
    return (home / "standalone.log").read_text(errors="replace")[-3000:]


def _dag_run_state(url: str, token: str, dag_id: str, dag_run_id: str) -> str | None:
    try:
        response = httpx.get(
            f"{url}/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
    except httpx.TimeoutException:  # a busy API server: ask again
        return None
    response.raise_for_status()
    state = response.json()["state"]
    return state if state in ("success", "failed") else None


def _wait_parsed(url: str, token: str, dag_id: str) -> None:
    def parsed() -> bool | None:
        try:
            r = httpx.get(
                f"{url}/api/v2/dags/{dag_id}",
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
        except httpx.TimeoutException:
            return None
        return True if r.status_code == 200 else None

    wait_for(f"the DAG processor to parse {dag_id}", parsed)


def test_launch_a_trial_then_import_it_elsewhere(
    airflow_url: str, runway_server: str, tmp_path: Path
) -> None:
    client = runway.Client(runway_server)
    trial = uuid.uuid4().hex
    client.store.ensure_run(
        RunStart(id=trial, project="sweeps", experiment="lr", status="queued", params={"lr": 0.2})
    )
    with pytest.raises(Unauthorized):
        AirflowLauncher("runway_plain", url=airflow_url, username="admin", password="no").launch(
            trial, {"lr": 0.2}
        )

    # The DAG file must have been parsed before it can be triggered.
    launcher = AirflowLauncher(
        "runway_plain", url=airflow_url, username="admin", password=PASSWORD, unpause=True
    )
    token = launcher.token()
    _wait_parsed(airflow_url, token, "runway_plain")
    with pytest.raises(NotFound):
        AirflowLauncher("no_such_dag", url=airflow_url, token=token).launch(trial, {})
    with pytest.raises(InvalidInput):
        launcher.launch("not-a-run-id", {"lr": 0.2})

    page = launcher.launch(trial, {"lr": 0.2})
    assert page == f"{airflow_url}/dags/runway_plain/runs/runway__{trial}"
    assert launcher.launch(trial, {"lr": 0.2}) == page  # the same trial: the same DAG run
    dag_run_id = f"runway__{trial}"
    state = wait_for(
        "the DAG run to end", lambda: _dag_run_state(airflow_url, token, "runway_plain", dag_run_id)
    )
    assert state == "success"

    # Recorded by the plugin in the scheduler and the workers, into the queued trial.
    def trial_ended() -> Any:
        run = client.get_run(trial)
        return run if run.status.value != "queued" and run.end_time else None

    run = wait_for("the trial's run to end", trial_ended, timeout=60)
    assert run.status.value == "finished"
    assert run.params == {"lr": 0.2, "epochs": 2}
    assert run.tags["airflow.url"] == page
    task = client.get_run(key_id("runway_plain", dag_run_id, "train"))
    assert task.parent_run_id == trial
    assert (task.project_id, task.experiment_id) == (run.project_id, run.experiment_id)
    assert task.status.value == "finished"
    assert task.params["operator"] == "_PythonDecoratedOperator"
    links = httpx.get(
        f"{airflow_url}/api/v2/dags/runway_plain/dagRuns/{dag_run_id}/taskInstances/train/links",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert links.status_code == 200, links.text
    # No RUNWAY_UI_URL: the link goes to the run's record on the server.
    assert links.json()["extra_links"]["Runway run"] == f"{runway_server}/api/v1/runs/{task.id}"

    # The importer, into a second Runway server: the same runs, once.
    (tmp_path / "other").mkdir()
    with start_runway_server(tmp_path / "other") as other:
        cmd = [str(Path(sys.executable).parent / "runway"), "import", "airflow"]
        cmd += ["--url", airflow_url, "--username", "admin", "--dag", "runway_plain"]
        cmd += ["--xcom", "return_value", "--since", "2000-01-01"]
        env = {**os.environ, "RUNWAY_TRACKING_URI": other, "AIRFLOW_PASSWORD": PASSWORD}
        first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert first.returncode == 0, first.stderr
        assert "imported 1 DAG runs (2 task instances)" in first.stdout
        copy = runway.Client(other)
        imported = copy.get_run(trial)
        assert imported.status.value == "finished"
        assert imported.params == {"lr": 0.2, "epochs": 2}
        assert imported.tags["airflow.url"] == page
        train = copy.get_run(key_id("runway_plain", dag_run_id, "train"))
        assert train.parent_run_id == trial
        assert copy.get_metric_history(train.id, "xcom.return_value.loss").values == [0.1]
        assert copy.get_metric_history(train.id, "duration_s").steps == [1]

        again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr
        assert "imported 0 DAG runs (0 task instances)" in again.stdout
        assert "1 already in Runway" in again.stdout
        assert copy.get_metric_history(train.id, "duration_s").steps == [1]

        wrong = subprocess.run(
            [*cmd[:3], "--url", airflow_url, "--token", "not-a-token"],
            env={**env, "AIRFLOW_PASSWORD": ""},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert wrong.returncode == 1
        assert wrong.stderr.strip().startswith("error: Airflow at")
        assert len(wrong.stderr.strip().splitlines()) == 1


def test_a_sweep_launched_on_airflow_runs_its_trials(
    airflow_url: str, runway_server: str, tmp_path: Path
) -> None:
    """``runway sweep create`` + ``runway sweep launch`` (the CLI, over HTTP): a grid of 3 trials
    becomes 3 DAG runs of ``runway_sweep``; each ends its trial ``finished`` with the metric its
    task logged, and the sweep names the best one. Same ``airflow standalone`` as above."""
    started = time.monotonic()
    token = access_token(airflow_url, username="admin", password=PASSWORD)
    _wait_parsed(airflow_url, token, "runway_sweep")
    spec = {
        "name": "airflow-grid",
        "method": "grid",
        "metric": {"name": "loss", "goal": "minimize"},
        "parameters": {"x": {"values": [0.1, 0.3, 0.7]}},
        "launcher": {
            "type": "airflow",
            "dag_id": "runway_sweep",
            "url": airflow_url,
            "username": "admin",
            "password": PASSWORD,
            "unpause": True,
        },
    }
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    runway_cli = str(Path(sys.executable).parent / "runway")  # this venv's: it has the client
    env = {**os.environ, "RUNWAY_TRACKING_URI": runway_server}
    create_cmd = [runway_cli, "sweep", "create", str(tmp_path / "spec.json")]
    create = subprocess.run(
        [*create_cmd, "-p", "sweeps", "-e", "airflow-grid"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert create.returncode == 0, create.stderr
    sweep_id = create.stdout.strip().splitlines()[-1]
    launch = subprocess.run(
        [runway_cli, "sweep", "launch", sweep_id],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert launch.returncode == 0, launch.stderr
    assert "launched 3 trial(s)" in launch.stdout

    client = runway.Client(runway_server)
    trials = client.store.list_trials(sweep_id)
    assert len(trials) == 3
    by_x = {t.params["x"]: t for t in trials}
    assert sorted(by_x) == [0.1, 0.3, 0.7]
    for trial in trials:
        dag_run_id = f"runway__{trial.run_id}"
        assert trial.launched == f"{airflow_url}/dags/runway_sweep/runs/{dag_run_id}"
        state = wait_for(
            f"DAG run {dag_run_id} to end",
            lambda r=dag_run_id: _dag_run_state(airflow_url, token, "runway_sweep", r),
        )
        assert state == "success"

    def all_ended() -> list[Any] | None:
        now = client.store.list_trials(sweep_id)
        return now if all(t.status.value not in ("queued", "running") for t in now) else None

    ended = {t.params["x"]: t for t in wait_for("the trials to end", all_ended, timeout=60)}
    for x, trial in ended.items():
        assert trial.status.value == "finished", trial
        assert trial.value == pytest.approx((x - 0.3) ** 2)
        run = client.get_run(trial.run_id)
        assert run.status.value == "finished" and run.end_time
        assert run.params == {"x": x}
        dag_run_id = f"runway__{trial.run_id}"
        assert run.tags["airflow.dag_id"] == "runway_sweep"
        assert run.tags["airflow.run_id"] == dag_run_id
        assert run.tags["airflow.url"] == trial.launched
        assert run.tags["airflow.state"] == "success"
        history = client.get_metric_history(trial.run_id, "loss")
        assert history.steps == [0, 1]
        assert history.values == [1.0, pytest.approx((x - 0.3) ** 2)]
        task = client.get_run(key_id("runway_sweep", dag_run_id, "evaluate"))
        assert task.parent_run_id == trial.run_id and task.status.value == "finished"
        dag_run = httpx.get(
            f"{airflow_url}/api/v2/dags/runway_sweep/dagRuns/{dag_run_id}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).json()
        assert dag_run["conf"] == {"x": x, "runway_run_id": trial.run_id}

    sweep = client.store.get_sweep(sweep_id)
    assert sweep.state == "finished"
    assert sweep.counts == {"finished": 3}
    assert sweep.best is not None and sweep.best.run_id == ended[0.3].run_id
    assert sweep.best.value == pytest.approx(0.0)
    MEASUREMENTS.append(
        f"airflow sweep: 3 trials launched and finished in {time.monotonic() - started:.1f} s"
    )
