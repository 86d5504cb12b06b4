"""The plugin, installed through its entry point, records real DAG runs (``dag.test()``) into a
real Runway server; what the server holds is read back over HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from conftest import MEASUREMENTS, load_dag

import runway
from runway.airflow.guard import cost
from runway_core import tracking
from runway_core.errors import NotFound
from runway_core.schemas.writes import RunStart

pytestmark = pytest.mark.usefixtures("airflow_db")


def key_id(*parts: str) -> str:
    """The run id the plugin derives from ``airflow:<dag_id>:<run_id>[:<task_id>]``."""
    return tracking.external_run_id("airflow:" + ":".join(parts))


def run_dag(name: str, conf: dict[str, Any] | None = None) -> Any:
    dag_run = load_dag(name).test(run_conf=conf)
    assert tracking.flush(30), "the writes did not reach the server in 30 s"
    return dag_run


def test_the_plugin_is_registered_through_its_entry_point() -> None:
    from airflow import plugins_manager
    from airflow.listeners.listener import get_listener_manager

    from runway.airflow import listener

    assert "runway" in [p["name"] for p in plugins_manager.get_plugin_info()]
    assert get_listener_manager().pm.is_registered(listener)
    links = plugins_manager.get_global_operator_extra_links()
    assert "Runway run" in [link.name for link in links]


def test_a_dag_without_runway_code_is_recorded(tracked: str) -> None:
    cost.reset()
    run_dag("runway_plain", {"lr": 0.3})
    assert cost.task_instances == 2
    first = cost.summary()
    cost.reset()
    dag_run = run_dag("runway_plain", {"lr": 0.3})
    assert dag_run.state == "success"
    assert cost.task_instances == 2
    MEASUREMENTS.append(
        f"listener cost per task instance, server up: {cost.summary()}; "
        f"in the process's first DAG run (connecting, first imports): {first}"
    )
    client = runway.Client(tracked)
    run = client.get_run(key_id("runway_plain", dag_run.run_id))
    assert run.status.value == "finished"
    assert run.source.value == "airflow"
    assert run.params == {"lr": 0.3, "epochs": 2}  # DAG params merged with conf
    assert client.get_project("airflow-plain").id == run.project_id  # from the DAG's tag
    assert run.source_ids["dag_id"] == "runway_plain"
    assert run.source_ids["run_id"] == dag_run.run_id
    url = f"http://localhost:8080/dags/runway_plain/runs/{dag_run.run_id}"  # [api] base_url
    assert run.tags["airflow.url"] == run.source_ids["url"] == url
    assert run.end_time is not None and run.end_time >= run.start_time

    for task_id, operator in (("prepare", "_PythonDecoratedOperator"), ("train", None)):
        task = client.get_run(key_id("runway_plain", dag_run.run_id, task_id))
        assert task.parent_run_id == run.id
        assert task.status.value == "finished"
        assert task.tags["airflow.state"] == "success"
        assert task.tags["airflow.try_number"] == "1"
        assert task.params["task_id"] == task_id
        assert task.params["operator"]
        if operator:
            assert task.params["operator"] == operator
        duration = client.get_metric_history(task.id, "duration_s")
        assert duration.steps == [1]
        assert duration.values[0] is not None and 0 <= duration.values[0] < 60


def test_a_task_that_fails_after_a_retry(tracked: str) -> None:
    dag_run = run_dag("runway_retry")
    assert dag_run.state == "failed"
    client = runway.Client(tracked)
    run = client.get_run(key_id("runway_retry", dag_run.run_id))
    assert run.status.value == "failed"
    assert run.tags["airflow.state"] == "failed"
    experiment = client.get_experiment("runway_retry", "flaky")  # project: the DAG id
    assert run.experiment_id == experiment.id
    assert "runway_experiment" not in run.params

    task = client.get_run(key_id("runway_retry", dag_run.run_id, "flaky"))
    assert task.parent_run_id == run.id
    assert task.status.value == "failed"
    assert task.tags["airflow.state"] == "failed"
    assert task.tags["airflow.try_number"] == "2"
    assert client.get_metric_history(task.id, "duration_s").steps == [1, 2]  # one per try


def test_a_skipped_branch_and_a_task_that_skips_itself(tracked: str) -> None:
    dag_run = run_dag("runway_branch")
    assert dag_run.state == "success"
    client = runway.Client(tracked)
    run = client.get_run(key_id("runway_branch", dag_run.run_id))
    assert run.status.value == "finished"
    left = client.get_run(key_id("runway_branch", dag_run.run_id, "left"))
    assert left.tags["airflow.state"] == "success"
    optional = client.get_run(key_id("runway_branch", dag_run.run_id, "optional"))
    assert optional.tags["airflow.state"] == "skipped"
    assert optional.status.value == "finished"
    assert optional.parent_run_id == run.id
    right = client.get_run(key_id("runway_branch", dag_run.run_id, "right"))
    assert right.tags["airflow.state"] == "skipped"  # never ran: recorded when the run ended


def test_runway_log_inside_a_task_writes_to_the_dag_runs_run(tracked: str) -> None:
    dag_run = run_dag("runway_logging", {"lr": 0.02})
    assert dag_run.state == "success"
    client = runway.Client(tracked)
    run_id = key_id("runway_logging", dag_run.run_id)
    loss = client.get_metric_history(run_id, "loss")
    assert loss.steps == [0, 1, 2]
    assert loss.values == pytest.approx([1.0, 0.5, 1 / 3])
    assert client.get_metric_history(run_id, "lr").values == pytest.approx([0.02] * 3)
    assert client.get_run(run_id).params == {"lr": 0.02}


def test_conf_runway_run_id_attaches_to_an_existing_queued_run(tracked: str) -> None:
    client = runway.Client(tracked)
    queued_id = uuid.uuid4().hex
    client.store.ensure_run(
        RunStart(
            id=queued_id, project="sweeps", experiment="lr", status="queued", params={"lr": 0.7}
        )
    )
    assert client.get_run(queued_id).status.value == "queued"
    dag_run = run_dag("runway_plain", {"lr": 0.7, "runway_run_id": queued_id})
    assert dag_run.state == "success"
    run = client.get_run(queued_id)
    assert run.status.value == "finished"
    assert run.params == {"lr": 0.7, "epochs": 2}
    assert run.tags["airflow.run_id"] == dag_run.run_id
    with pytest.raises(NotFound):  # no second, keyed run
        client.get_run(key_id("runway_plain", dag_run.run_id))
    task = client.get_run(key_id("runway_plain", dag_run.run_id, "train"))
    assert task.parent_run_id == queued_id
    assert (task.project_id, task.experiment_id) == (run.project_id, run.experiment_id)


def test_callbacks_record_the_same_with_the_plugin_off(
    tracked: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNWAY_AIRFLOW_ENABLED", "false")
    dag_run = run_dag("runway_callbacks")
    assert dag_run.state == "success"
    client = runway.Client(tracked)
    run = client.get_run(key_id("runway_callbacks", dag_run.run_id))
    assert run.status.value == "finished"
    assert client.get_project("airflow-callbacks").id == run.project_id
    task = client.get_run(key_id("runway_callbacks", dag_run.run_id, "work"))
    assert task.status.value == "finished"
    assert task.tags["airflow.state"] == "success"


def test_the_plugin_turned_off_records_nothing(
    tracked: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNWAY_AIRFLOW_ENABLED", "false")
    dag_run = run_dag("runway_plain")
    assert dag_run.state == "success"
    with pytest.raises(NotFound):
        runway.Client(tracked).get_run(key_id("runway_plain", dag_run.run_id))
