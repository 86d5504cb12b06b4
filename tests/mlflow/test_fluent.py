"""MLflow's fluent API (``mlflow.start_run`` …) against a real ``runway server``: what Runway
stored, and what the MLflow client reads back."""

from __future__ import annotations

from pathlib import Path

import pytest

from runway_core.schemas import RunSource, RunStatus
from runway_core.store.http import HttpStore

mlflow = pytest.importorskip("mlflow")


def test_a_fluent_run_lands_in_runway_and_reads_back(
    mlflow_uri: str, runway: HttpStore, name: str, workdir: Path
) -> None:
    mlflow.set_experiment(name)
    (workdir / "notes.txt").write_text("first model\n")
    (workdir / "out").mkdir()
    (workdir / "out" / "weights.bin").write_bytes(b"\x00\x01" * 500)
    (workdir / "out" / "sub").mkdir()
    (workdir / "out" / "sub" / "cfg.json").write_text('{"C": 1}')
    with mlflow.start_run(run_name="svm-1") as active:
        mlflow.log_param("C", 0.5)
        mlflow.log_params({"kernel": "rbf", "model.depth": 3})
        for step in range(5):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.log_metrics({"acc": 0.91, "f1": 0.88}, step=4)
        mlflow.set_tag("stage", "dev")
        mlflow.set_tags({"mlflow.source.git.commit": "a" * 40, "team": "vision"})
        mlflow.log_artifact(str(workdir / "notes.txt"))
        mlflow.log_artifacts(str(workdir / "out"), artifact_path="model")
        run_id = active.info.run_id

    # Runway's own view
    stored = runway.get_run(run_id)
    assert stored.name == "svm-1"
    assert stored.source is RunSource.mlflow
    assert stored.status is RunStatus.finished and stored.end_time is not None
    assert stored.params == {"C": "0.5", "kernel": "rbf", "model.depth": "3"}
    assert stored.tags["stage"] == "dev" and stored.tags["team"] == "vision"
    assert stored.user  # mlflow.user fills Runway's user
    loss = runway.get_metric_history(run_id, "loss")
    assert loss.steps == [0, 1, 2, 3, 4]
    assert loss.values == pytest.approx([1.0, 0.5, 1 / 3, 0.25, 0.2])
    paths = sorted(a.path for a in runway.list_artifacts(run_id))
    assert paths == ["model/sub/cfg.json", "model/weights.bin", "notes.txt"]
    assert runway.open_artifact(run_id, "model/weights.bin").read() == b"\x00\x01" * 500
    project = runway.get_project(stored.project_id)
    assert project.name == "mlflow"
    assert runway.get_experiment(stored.experiment_id).name == name

    # The MLflow client's view
    client = mlflow.MlflowClient()
    got = client.get_run(run_id)
    assert got.info.status == "FINISHED" and got.info.run_name == "svm-1"
    assert got.data.params == {"C": "0.5", "kernel": "rbf", "model.depth": "3"}
    assert got.data.metrics == {"loss": pytest.approx(0.2), "acc": 0.91, "f1": 0.88}
    assert got.data.tags["mlflow.runName"] == "svm-1"
    history = client.get_metric_history(run_id, "loss")
    assert [(m.step, round(m.value, 4)) for m in history] == [
        (0, 1.0),
        (1, 0.5),
        (2, 0.3333),
        (3, 0.25),
        (4, 0.2),
    ]
    top = client.list_artifacts(run_id)
    assert [(f.path, f.is_dir) for f in top] == [("model", True), ("notes.txt", False)]
    inner = client.list_artifacts(run_id, "model")
    assert [(f.path, f.is_dir, f.file_size) for f in inner] == [
        ("model/sub", True, None),
        ("model/weights.bin", False, 1000),
    ]
    local = Path(client.download_artifacts(run_id, "model", str(workdir / "dl")))
    assert (local / "sub" / "cfg.json").read_text() == '{"C": 1}'
    assert (local / "weights.bin").read_bytes() == b"\x00\x01" * 500


def test_git_commit_and_parent_fill_runway_fields(
    mlflow_uri: str, runway: HttpStore, name: str
) -> None:
    mlflow.set_experiment(name)
    tags = {
        "mlflow.source.git.commit": "c0ffee" * 6,
        "mlflow.source.git.branch": "main",
        "mlflow.source.git.repoURL": "https://github.com/acme/models",
        "mlflow.source.name": "train.py",
    }
    with (
        mlflow.start_run(run_name="parent", tags=tags) as parent,
        mlflow.start_run(run_name="child", nested=True) as child,
    ):
        mlflow.log_metric("x", 1.0)
    stored = runway.get_run(child.info.run_id)
    assert stored.parent_run_id == parent.info.run_id
    top = runway.get_run(parent.info.run_id)
    assert (top.git_commit, top.git_branch, top.command) == ("c0ffee" * 6, "main", "train.py")
    assert top.git_url == f"https://github.com/acme/models/commit/{'c0ffee' * 6}"
    children = mlflow.search_runs(
        filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'", output_format="list"
    )
    assert [r.info.run_name for r in children] == ["child"]


def test_an_exception_inside_a_run_marks_it_failed(
    mlflow_uri: str, runway: HttpStore, name: str
) -> None:
    mlflow.set_experiment(name)
    with pytest.raises(ZeroDivisionError), mlflow.start_run() as active:
        mlflow.log_metric("before", 1.0)
        _ = 1 / 0
    got = mlflow.get_run(active.info.run_id)
    assert got.info.status == "FAILED"
    assert got.info.run_name  # a generated name, as MLflow's server gives one
    assert runway.get_run(active.info.run_id).status is RunStatus.failed


def test_runs_without_an_experiment_go_to_the_default_experiment(
    mlflow_uri: str, runway: HttpStore
) -> None:
    mlflow.set_experiment(experiment_id="0")  # what a fresh process uses without one
    with mlflow.start_run() as active:
        mlflow.log_param("p", "v")
    assert active.info.experiment_id == "0"
    default = mlflow.get_experiment("0")
    assert default.name == "Default"
    stored = runway.get_run(active.info.run_id)
    assert runway.get_experiment(stored.experiment_id).name == "Default"
