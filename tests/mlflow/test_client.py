"""``MlflowClient`` against a real ``runway server``: experiments, run lifecycle, search,
batches and their limits, and MLflow's error shape."""

from __future__ import annotations

import time

import httpx
import pytest

from runway_core.store.http import HttpStore
from tests.conftest import LiveServer

mlflow = pytest.importorskip("mlflow")
from mlflow.entities import Metric, Param, RunTag, ViewType  # noqa: E402
from mlflow.exceptions import MlflowException, RestException  # noqa: E402


@pytest.fixture
def client(mlflow_uri: str) -> mlflow.MlflowClient:
    return mlflow.MlflowClient(mlflow_uri)


def test_experiment_lifecycle(client: mlflow.MlflowClient, runway: HttpStore, name: str) -> None:
    eid = client.create_experiment(name, tags={"team": "vision", "runway.project": "vision"})
    exp = client.get_experiment(eid)
    assert (exp.name, exp.lifecycle_stage) == (name, "active")
    assert exp.tags == {"team": "vision", "runway.project": "vision"}
    assert exp.artifact_location == f"mlflow-artifacts:/{eid}"
    assert runway.get_project(runway.get_experiment(eid).project_id).name == "vision"
    assert client.get_experiment_by_name(name).experiment_id == eid
    assert client.get_experiment_by_name(f"{name}-missing") is None
    with pytest.raises(MlflowException, match="already exists") as info:
        client.create_experiment(name)
    assert info.value.error_code == "RESOURCE_ALREADY_EXISTS"

    client.set_experiment_tag(eid, "stage", "prod")
    client.delete_experiment_tag(eid, "team")
    assert client.get_experiment(eid).tags == {"runway.project": "vision", "stage": "prod"}
    client.rename_experiment(eid, f"{name}-renamed")
    assert client.get_experiment(eid).name == f"{name}-renamed"

    client.delete_experiment(eid)
    assert client.get_experiment(eid).lifecycle_stage == "deleted"
    active = [e.experiment_id for e in client.search_experiments()]
    deleted = [e.experiment_id for e in client.search_experiments(view_type=ViewType.DELETED_ONLY)]
    assert eid not in active and eid in deleted
    with pytest.raises(MlflowException, match="active"):
        client.create_run(eid)
    client.restore_experiment(eid)
    assert client.get_experiment(eid).lifecycle_stage == "active"


def test_search_experiments_filters_orders_and_pages(
    client: mlflow.MlflowClient, name: str
) -> None:
    ids = [client.create_experiment(f"{name}-{i}", tags={"k": str(i % 2)}) for i in range(3)]
    found = client.search_experiments(filter_string=f"name LIKE '{name}-%'", order_by=["name DESC"])
    assert [e.experiment_id for e in found] == ids[::-1]
    odd = client.search_experiments(filter_string=f"name LIKE '{name}%' AND tags.k = '1'")
    assert [e.experiment_id for e in odd] == [ids[1]]
    first = client.search_experiments(
        max_results=2, filter_string=f"name ILIKE '{name.upper()}-%'", order_by=["name"]
    )
    assert [e.experiment_id for e in first] == ids[:2] and first.token
    rest = client.search_experiments(
        max_results=2,
        filter_string=f"name ILIKE '{name.upper()}-%'",
        order_by=["name"],
        page_token=first.token,
    )
    assert [e.experiment_id for e in rest] == ids[2:] and not rest.token


def _runs(client: mlflow.MlflowClient, eid: str) -> list[str]:
    """Three finished runs with params, metrics and tags to search over."""
    made = []
    for i, (model, acc) in enumerate([("svm", 0.7), ("mlp", 0.9), ("svm", 0.8)]):
        run = client.create_run(eid, run_name=f"run-{i}", start_time=1_700_000_000_000 + i)
        client.log_batch(
            run.info.run_id,
            metrics=[Metric("acc", acc, 0, 0), Metric("loss", 1 - acc, 0, 0)],
            params=[Param("model", model), Param("lr", str(0.1 * (i + 1)))],
            tags=[RunTag("stage", "dev" if i else "prod")],
        )
        client.set_terminated(run.info.run_id, "FINISHED" if i < 2 else "FAILED")
        made.append(run.info.run_id)
    return made


def test_search_runs_translates_mlflow_filters_and_orderings(
    client: mlflow.MlflowClient, name: str
) -> None:
    eid = client.create_experiment(name)
    r0, r1, r2 = _runs(client, eid)

    def ids(filter_string: str = "", order_by: list[str] | None = None) -> list[str]:
        runs = client.search_runs([eid], filter_string, order_by=order_by)
        return [r.info.run_id for r in runs]

    assert ids() == [r2, r1, r0]  # newest start first, MLflow's default
    assert ids("metrics.acc > 0.75", ["metrics.acc DESC"]) == [r1, r2]
    assert ids("params.model = 'svm'", ["attributes.start_time ASC"]) == [r0, r2]
    assert ids("params.model LIKE 'sv%' and tags.stage = 'dev'") == [r2]
    assert ids("attributes.status = 'FAILED'") == [r2]
    assert ids("attributes.status IN ('FINISHED')", ["params.lr"]) == [r0, r1]
    assert ids("tags.stage ILIKE 'PROD'") == [r0]
    assert ids(f"attributes.run_id IN ('{r0}', '{r1}')", ["metrics.loss ASC"]) == [r1, r0]
    assert ids("attributes.run_name = 'run-1'") == [r1]
    assert ids("metrics.`acc` >= 0.9 and params.\"model\" != 'svm'") == [r1]
    page = client.search_runs([eid], max_results=2, order_by=["metrics.acc"])
    assert [r.info.run_id for r in page] == [r0, r2] and page.token
    more = client.search_runs([eid], max_results=2, order_by=["metrics.acc"], page_token=page.token)
    assert [r.info.run_id for r in more] == [r1] and not more.token
    with pytest.raises(MlflowException, match="column") as info:
        client.search_runs([eid], "metrics.acc >> 1")
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"


def test_run_delete_restore_and_tags(client: mlflow.MlflowClient, name: str) -> None:
    eid = client.create_experiment(name)
    run = client.create_run(eid, tags={"a": "1", "b": "2"})
    rid = run.info.run_id
    assert run.info.status == "RUNNING" and run.info.lifecycle_stage == "active"
    client.delete_tag(rid, "a")
    assert "a" not in client.get_run(rid).data.tags
    client.update_run(rid, name="renamed")
    got = client.get_run(rid)
    assert got.info.run_name == "renamed" and got.data.tags["mlflow.runName"] == "renamed"
    client.delete_run(rid)
    assert client.get_run(rid).info.lifecycle_stage == "deleted"
    assert client.search_runs([eid]) == []
    deleted = client.search_runs([eid], run_view_type=ViewType.DELETED_ONLY)
    assert [r.info.run_id for r in deleted] == [rid]
    with pytest.raises(MlflowException, match="active"):
        client.log_metric(rid, "m", 1.0)
    client.restore_run(rid)
    assert [r.info.run_id for r in client.search_runs([eid])] == [rid]


def test_log_batch_limits_and_param_conflicts(client: mlflow.MlflowClient, name: str) -> None:
    eid = client.create_experiment(name)
    rid = client.create_run(eid).info.run_id
    stamp = int(time.time() * 1000)
    client.log_batch(rid, metrics=[Metric("m", float(i), stamp, i) for i in range(1000)])
    assert len(client.get_metric_history(rid, "m")) == 1000
    with pytest.raises(RestException, match="at most 100 params") as info:
        # The client splits big batches itself; send one over the limit as a raw request.
        client._tracking_client.store.log_batch(
            rid, metrics=[], params=[Param(f"p{i}", "x") for i in range(101)], tags=[]
        )
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    client.log_param(rid, "lr", "0.1")
    client.log_param(rid, "lr", "0.1")  # the same value again is fine, as in MLflow
    with pytest.raises(MlflowException) as changed:
        client.log_param(rid, "lr", "0.2")
    assert changed.value.error_code == "INVALID_PARAMETER_VALUE"
    assert client.get_run(rid).data.params == {"lr": "0.1"}


def test_nan_and_infinity_round_trip_as_nan(client: mlflow.MlflowClient, name: str) -> None:
    eid = client.create_experiment(name)
    rid = client.create_run(eid).info.run_id
    client.log_metric(rid, "v", float("nan"), step=0)
    client.log_metric(rid, "v", 2.0, step=1)
    values = [m.value for m in client.get_metric_history(rid, "v")]
    assert values[0] != values[0] and values[1] == 2.0


def test_one_point_per_call_leaves_few_chunks_once_the_run_ends(
    client: mlflow.MlflowClient, server: LiveServer, name: str
) -> None:
    from sqlalchemy import create_engine, text

    eid = client.create_experiment(name)
    rid = client.create_run(eid).info.run_id
    for step in range(40):
        client.log_metric(rid, "loss", 1.0 / (step + 1), step=step)
    engine = create_engine(server.backend_uri)

    def chunks() -> int:
        with engine.connect() as conn:
            q = text("select count(*) from metric_chunks where run_id = :r and key = 'loss'")
            return int(conn.execute(q, {"r": rid}).scalar_one())

    assert chunks() == 40
    client.set_terminated(rid)
    assert chunks() == 1
    assert [m.step for m in client.get_metric_history(rid, "loss")] == list(range(40))
    engine.dispose()


def test_errors_have_mlflow_shape_and_v1_errors_keep_runway_shape(
    server: LiveServer, name: str
) -> None:
    with httpx.Client(base_url=server.url, trust_env=False) as http:
        r = http.get("/api/2.0/mlflow/runs/get", params={"run_id": "f" * 32})
        assert r.status_code == 404
        assert r.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST" and "message" in r.json()
        r = http.post("/api/2.0/mlflow/runs/log-metric", json={"run_id": 5})
        assert r.status_code == 400 and r.json()["error_code"] == "INVALID_PARAMETER_VALUE"
        r = http.get("/ajax-api/2.0/mlflow/registered-models/search")
        assert r.status_code == 404 and r.json()["error_code"] == "ENDPOINT_NOT_FOUND"
        r = http.get("/api/v1/runs/" + "f" * 32)
        assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
        # the ajax prefix serves the same API, and a bearer token is accepted
        headers = {"Authorization": "Bearer any-token"}
        r = http.post(
            "/ajax-api/2.0/mlflow/experiments/create", json={"name": name}, headers=headers
        )
        assert r.status_code == 200
        eid = r.json()["experiment_id"]
        r = http.get("/ajax-api/2.0/mlflow/experiments/get", params={"experiment_id": eid})
        assert r.json()["experiment"]["name"] == name


def test_bulk_interval_history_samples_each_run(
    client: mlflow.MlflowClient, server: LiveServer, name: str
) -> None:
    eid = client.create_experiment(name)
    rids = [client.create_run(eid).info.run_id for _ in range(2)]
    for rid in rids:
        client.log_batch(rid, metrics=[Metric("loss", float(s), 1, s) for s in range(100)])
    params = [("run_ids", r) for r in rids] + [
        ("metric_key", "loss"),
        ("start_step", "10"),
        ("end_step", "50"),
        ("max_results", "5"),
    ]
    with httpx.Client(base_url=server.url, trust_env=False) as http:
        r = http.get("/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval", params=params)
    assert r.status_code == 200, r.text
    points = r.json()["metrics"]
    assert [(p["run_id"], p["step"]) for p in points] == [
        (rid, s) for rid in rids for s in (10, 20, 30, 40, 50)
    ]


def test_proxied_artifact_routes_refuse_what_is_not_a_runs_file(
    client: mlflow.MlflowClient, server: LiveServer, name: str
) -> None:
    eid = client.create_experiment(name)
    rid = client.create_run(eid).info.run_id
    root = f"{eid}/{rid}/artifacts"
    base = f"/api/2.0/mlflow-artifacts/artifacts/{root}"
    with httpx.Client(base_url=server.url, trust_env=False) as http:
        assert http.put(f"{base}/a/b.txt", content=b"hello").status_code == 200
        assert http.get(f"{base}/a/b.txt").content == b"hello"
        r = http.put(
            f"/api/2.0/mlflow-artifacts/artifacts/{'9' * 32}/{rid}/artifacts/x", content=b""
        )
        assert (r.status_code, r.json()["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
        r = http.put(base, content=b"x")
        assert (r.status_code, r.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
        r = http.put(f"{base}/a/%2E%2E/%2E%2E/escape.txt", content=b"x")
        assert (r.status_code, r.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
        r = http.get(f"{base}/a/missing.txt")
        assert (r.status_code, r.json()["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
        r = http.delete(f"{base}/a/b.txt")
        assert (r.status_code, r.json()["error_code"]) == (501, "NOT_IMPLEMENTED")
        listing = http.get("/api/2.0/mlflow-artifacts/artifacts", params={"path": f"{root}/a"})
        assert listing.json() == {"files": [{"path": "b.txt", "is_dir": False, "file_size": 5}]}
    assert [f.path for f in client.list_artifacts(rid, "a")] == ["a/b.txt"]


def test_a_refused_batch_stores_nothing(server: LiveServer, runway: HttpStore, name: str) -> None:
    with httpx.Client(base_url=server.url, trust_env=False) as http:
        eid = http.post("/api/2.0/mlflow/experiments/create", json={"name": name}).json()
        rid = http.post("/api/2.0/mlflow/runs/create", json=eid).json()["run"]["info"]["run_id"]
        point = {"key": "loss", "value": 1.0, "timestamp": 1, "step": 0}
        bad_tag = {"run_id": rid, "metrics": [point], "tags": [{"key": "a\nb", "value": "x"}]}
        r = http.post("/api/2.0/mlflow/runs/log-batch", json=bad_tag)
        assert (r.status_code, r.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
        assert "tags" in r.json()["message"]
        huge_step = {"run_id": rid, "metrics": [{**point, "step": 2**64}], "params": []}
        r = http.post("/api/2.0/mlflow/runs/log-batch", json=huge_step)
        assert (r.status_code, r.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
        r = http.post(
            "/api/2.0/mlflow/runs/log-metric", json={**point, "run_id": rid, "value": "x"}
        )
        assert (r.status_code, r.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    stored = runway.get_run(rid)
    assert stored.metrics == {} and "a\nb" not in stored.tags
