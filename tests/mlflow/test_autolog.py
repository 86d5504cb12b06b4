"""``mlflow.autolog()`` with scikit-learn on a bundled dataset, logging into Runway.

mlflow-skinny carries the sklearn autologger; models are not logged (``log_models=False``):
MLflow 3 stores a model as a "logged model", an API Runway does not serve.
"""

from __future__ import annotations

import pytest

from runway_core.schemas import RunStatus
from runway_core.store.http import HttpStore

mlflow = pytest.importorskip("mlflow")
pytest.importorskip("sklearn")


def test_sklearn_autolog_records_params_metrics_and_dataset(
    mlflow_uri: str, runway: HttpStore, name: str
) -> None:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    mlflow.set_experiment(name)
    mlflow.sklearn.autolog(log_models=False, silent=True)
    try:
        x, y = load_iris(return_X_y=True)
        with mlflow.start_run() as active:
            LogisticRegression(C=0.5, max_iter=200).fit(x, y)
    finally:
        mlflow.sklearn.autolog(disable=True)
    run_id = active.info.run_id

    got = mlflow.MlflowClient().get_run(run_id)
    assert got.info.status == "FINISHED"
    assert got.data.params["C"] == "0.5" and got.data.params["max_iter"] == "200"
    assert 0.9 < got.data.metrics["training_accuracy_score"] <= 1.0
    assert got.data.tags["estimator_name"] == "LogisticRegression"
    assert [d.dataset.name for d in got.inputs.dataset_inputs] != []

    stored = runway.get_run(run_id)
    assert stored.status is RunStatus.finished
    assert stored.params["C"] == "0.5"
    assert stored.metrics["training_accuracy_score"].last == pytest.approx(
        got.data.metrics["training_accuracy_score"]
    )
