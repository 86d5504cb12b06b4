"""The MLflow client script of the differential test: run against a server
(``MLFLOW_TRACKING_URI``), it logs a fixed history and prints, as JSON, everything the client
reads back, with ids and times left out. Usage: ``python client_script.py WORKDIR``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import mlflow
from mlflow.entities import Metric, Param, RunTag, ViewType
from mlflow.exceptions import MlflowException

# Times and ids differ between servers by nature; everything else must match.
VOLATILE_TAGS = {"mlflow.source.name", "mlflow.source.git.commit"}


def _experiment(exp: Any, ids: dict[str, str]) -> dict[str, Any]:
    return {
        "name": exp.name,
        "lifecycle_stage": exp.lifecycle_stage,
        "tags": exp.tags,
        "artifact_location": _masked(exp.artifact_location, ids),
    }


def _masked(text: str, ids: dict[str, str]) -> str:
    for real, label in sorted(ids.items(), key=lambda item: -len(item[0])):
        text = text.replace(real, label)
    return text


def _run(client: mlflow.MlflowClient, run_id: str, ids: dict[str, str]) -> dict[str, Any]:
    run = client.get_run(run_id)
    info = run.info
    return {
        "run_name": info.run_name,
        "status": info.status,
        "lifecycle_stage": info.lifecycle_stage,
        "user_id": info.user_id,
        "experiment": ids.get(info.experiment_id, info.experiment_id),
        "artifact_uri": _masked(info.artifact_uri, ids),
        "has_start_time": info.start_time is not None,
        "has_end_time": info.end_time is not None,
        "params": run.data.params,
        "metrics": run.data.metrics,
        "tags": {k: _masked(v, ids) for k, v in run.data.tags.items() if k not in VOLATILE_TAGS},
        "inputs": sorted(
            (d.dataset.name, d.dataset.digest, d.dataset.source_type)
            for d in run.inputs.dataset_inputs
        ),
        "history": {
            key: [(m.step, m.value) for m in client.get_metric_history(run_id, key)]
            for key in sorted(run.data.metrics)
        },
        "artifacts": _tree(client, run_id, ""),
    }


def _tree(client: mlflow.MlflowClient, run_id: str, path: str) -> list[Any]:
    out: list[Any] = []
    for f in client.list_artifacts(run_id, path or None):
        if f.is_dir:
            out.append([f.path, "dir", _tree(client, run_id, f.path)])
        else:
            out.append([f.path, f.file_size])
    return out


def _error(call: Any) -> str:
    try:
        call()
    except MlflowException as exc:
        return exc.error_code
    return "no error"


def main(workdir: Path) -> dict[str, Any]:
    client = mlflow.MlflowClient()
    out: dict[str, Any] = {}
    eid = client.create_experiment("diff-exp", tags={"team": "vision"})
    ids = {eid: "<exp>"}
    client.set_experiment_tag(eid, "stage", "dev")
    mlflow.set_experiment("diff-exp")

    (workdir / "notes.txt").write_text("hello\n")
    (workdir / "model").mkdir()
    (workdir / "model" / "w.bin").write_bytes(bytes(range(256)) * 4)
    (workdir / "model" / "cfg").mkdir()
    (workdir / "model" / "cfg" / "c.json").write_text('{"C": 1}')

    with mlflow.start_run(run_name="parent", tags={"kind": "sweep"}) as parent:
        mlflow.log_params({"lr": 0.01, "model": "svm", "layers.n": 3})
        for step in range(6):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.log_metrics({"acc": 0.9, "f1": 0.75}, step=5)
        mlflow.set_tag("stage", "dev")
        mlflow.log_artifact(str(workdir / "notes.txt"))
        mlflow.log_artifacts(str(workdir / "model"), artifact_path="model")
        with mlflow.start_run(run_name="child", nested=True) as child:
            mlflow.log_metric("acc", 0.8)
    try:
        with mlflow.start_run(run_name="broken"):
            mlflow.log_param("lr", 1.0)
            raise RuntimeError("diverged")
    except RuntimeError:
        pass
    broken = mlflow.last_active_run()
    assert broken is not None
    batch = client.create_run(eid, run_name="batch")
    client.log_batch(
        batch.info.run_id,
        metrics=[Metric("acc", 0.5 + i / 100, 1_700_000_000_000 + i, i) for i in range(30)],
        params=[Param("lr", "0.1"), Param("model", "mlp")],
        tags=[RunTag("stage", "prod")],
    )
    client.delete_tag(batch.info.run_id, "stage")
    client.set_terminated(batch.info.run_id, "KILLED")
    ids.update(
        {
            parent.info.run_id: "<parent>",
            child.info.run_id: "<child>",
            broken.info.run_id: "<broken>",
            batch.info.run_id: "<batch>",
        }
    )

    out["experiment"] = _experiment(client.get_experiment(eid), ids)
    out["by_name"] = _experiment(client.get_experiment_by_name("diff-exp"), ids)
    out["default"] = _experiment(client.get_experiment("0"), ids)
    out["runs"] = {label: _run(client, rid, ids) for rid, label in ids.items() if rid != eid}

    def names(filter_string: str = "", order_by: list[str] | None = None, **kw: Any) -> list[str]:
        runs = client.search_runs([eid], filter_string, order_by=order_by, **kw)
        return [r.info.run_name for r in runs]

    out["search"] = {
        "all by name": names(order_by=["attributes.run_name ASC"]),
        "acc > 0.6": names("metrics.acc > 0.6", ["metrics.acc DESC"]),
        "model = svm": names("params.model = 'svm'"),
        "status failed": names("attributes.status = 'FAILED'"),
        "like": names("params.model LIKE 'm%'"),
        "tag ilike": names("tags.stage ILIKE 'DEV'"),
        "run id in": names(
            f"attributes.run_id IN ('{child.info.run_id}', '{batch.info.run_id}')",
            ["attributes.run_name"],
        ),
        "page of 2": names(max_results=2, order_by=["attributes.run_name DESC"]),
    }
    client.delete_run(child.info.run_id)
    out["search"]["after delete"] = names(order_by=["attributes.run_name"])
    out["search"]["deleted only"] = names(run_view_type=ViewType.DELETED_ONLY)
    client.restore_run(child.info.run_id)
    out["search"]["restored"] = names(order_by=["attributes.run_name"])
    out["experiments"] = [
        e.name for e in client.search_experiments(filter_string="name LIKE 'diff%'")
    ]
    out["errors"] = {
        "missing run": _error(lambda: client.get_run("f" * 32)),
        "missing experiment": _error(lambda: client.get_experiment("123456789")),
        "duplicate experiment": _error(lambda: client.create_experiment("diff-exp")),
        "changed param": _error(lambda: client.log_param(batch.info.run_id, "lr", "0.2")),
        "bad filter": _error(lambda: client.search_runs([eid], "metrics.acc >> 1")),
    }
    return out


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1])), sort_keys=True))
