"""``runway import mlflow``: an MLflow store built with the MLflow client (SQLite backend, local
artifacts) copied into Runway, twice (nothing doubles), and resumed after an interruption."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from runway.mlflow_import import import_mlflow, runway_run_id
from runway_core.schemas import RunSource, RunStatus
from runway_core.store.sql import SqlStore

mlflow = pytest.importorskip("mlflow")
from mlflow.entities import Metric  # noqa: E402


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    """An MLflow store with two experiments, nested runs, histories, tags and artifacts (read
    only by the tests, so built once)."""
    tmp_path = tmp_path_factory.mktemp("mlflow-source")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = mlflow.MlflowClient(uri)
    vision = client.create_experiment(
        "vision", artifact_location=str(tmp_path / "art-vision"), tags={"runway.project": "cv"}
    )
    nlp = client.create_experiment("nlp", artifact_location=str(tmp_path / "art-nlp"))
    ids: dict[str, str] = {}
    (tmp_path / "weights.bin").write_bytes(b"w" * 2048)
    for exp, name, status in [(vision, "resnet", "FINISHED"), (nlp, "bert", "FAILED")]:
        run = client.create_run(exp, run_name=name, tags={"mlflow.user": "ana", "stage": "dev"})
        rid = run.info.run_id
        client.log_param(rid, "lr", "0.01")
        client.log_batch(
            rid, metrics=[Metric("loss", 1 / (s + 1), 1_000 + s, s) for s in range(120)]
        )
        client.log_artifact(rid, str(tmp_path / "weights.bin"), "model")
        client.set_terminated(rid, status)
        ids[name] = rid
    child = client.create_run(
        vision, run_name="resnet-fold-1", tags={"mlflow.parentRunId": ids["resnet"]}
    )
    client.log_metric(child.info.run_id, "acc", 0.9)
    client.set_terminated(child.info.run_id)
    ids["child"] = child.info.run_id
    return uri, ids


def _store(tmp_path: Path) -> SqlStore:
    return SqlStore(f"sqlite:///{tmp_path / 'runway.db'}", artifacts_uri=str(tmp_path / "ra"))


def test_import_copies_everything_and_a_second_import_doubles_nothing(
    source: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    uri, ids = source
    target = tmp_path / "runway.db"
    cmd = [sys.executable, "-m", "runway.cli", "import", "mlflow", "--from", uri]
    env_cmd = [*cmd, "--tracking-uri", str(target)]
    first = subprocess.run(env_cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "imported 3 runs (241 metric points, 2 artifacts)" in first.stdout
    second = subprocess.run(env_cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "imported 0 runs (0 metric points, 0 artifacts)" in second.stdout
    assert "3 already complete" in second.stdout

    store = SqlStore(f"sqlite:///{target}")
    resnet = store.get_run(runway_run_id(ids["resnet"]))
    assert (resnet.name, resnet.status, resnet.source) == (
        "resnet",
        RunStatus.finished,
        RunSource.mlflow,
    )
    assert resnet.params == {"lr": "0.01"} and resnet.user == "ana"
    assert resnet.tags["stage"] == "dev"
    assert store.get_project(resnet.project_id).name == "cv"
    history = store.get_metric_history(resnet.id, "loss")
    assert history.steps == list(range(120)) and history.timestamps[0] == 1_000
    assert history.values[3] == pytest.approx(0.25)
    [art] = store.list_artifacts(resnet.id)
    assert art.path == "model/weights.bin" and art.size == 2048
    bert = store.get_run(runway_run_id(ids["bert"]))
    assert bert.status is RunStatus.failed
    assert store.get_project(bert.project_id).name == "mlflow"
    child = store.get_run(runway_run_id(ids["child"]))
    assert child.parent_run_id == resnet.id
    assert child.tags["mlflow.parentRunId"] == resnet.id
    store.close()


def test_an_interrupted_import_resumes(source: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    uri, ids = source
    store = _store(tmp_path)
    seen: list[str] = []

    def stop_after_first(name: str) -> None:
        seen.append(name)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_mlflow(uri, store, on_run=stop_after_first)
    assert len(seen) == 1
    result = import_mlflow(uri, store)
    assert (result.runs, result.skipped) == (2, 1)
    for rid in ids.values():
        run = store.get_run(runway_run_id(rid))
        assert run.status.is_terminal
    loss = store.get_metric_history(runway_run_id(ids["bert"]), "loss")
    assert loss.total_points == 120
    store.close()
