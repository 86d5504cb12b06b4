"""The MLflow API over a Runway server on PostgreSQL: the same translation, another database."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import LiveServer

mlflow = pytest.importorskip("mlflow")


@pytest.mark.postgres
@pytest.mark.e2e
def test_mlflow_client_on_a_postgres_backed_server(
    live_server_factory: Callable[..., LiveServer], pg_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = live_server_factory(backend_uri=pg_uri)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server.url)
    client = mlflow.MlflowClient(server.url)
    eid = client.create_experiment("pg", tags={"db": "postgres"})
    ids = []
    for i, model in enumerate(["svm", "mlp", "svm"]):
        run = client.create_run(eid, run_name=f"r{i}", tags={"model": model})
        rid = run.info.run_id
        client.log_param(rid, "model", model)
        for step in range(3):
            client.log_metric(rid, "acc", 0.5 + i / 10 + step / 100, step=step)
        client.set_terminated(rid)
        ids.append(rid)
    found = client.search_runs(
        [eid], "params.model = 'svm' and metrics.acc > 0.5", order_by=["metrics.acc DESC"]
    )
    assert [r.info.run_id for r in found] == [ids[2], ids[0]]
    assert [m.step for m in client.get_metric_history(ids[1], "acc")] == [0, 1, 2]
    client.delete_experiment(eid)
    assert client.get_experiment(eid).lifecycle_stage == "deleted"
    assert client.get_experiment_by_name("pg").tags == {"db": "postgres"}
