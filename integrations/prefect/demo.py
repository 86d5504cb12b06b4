"""The demo's Prefect experiment: a small digits pipeline run as a real Prefect flow, recorded by
``runway.prefect.track`` (one flow run, its task runs as child runs). ``runway demo`` runs it
when Prefect is installed, on a temporary Prefect server that is gone afterwards."""

from __future__ import annotations

import functools
import logging
import os
from typing import Any

from prefect.flows import flow
from prefect.tasks import task
from runway.prefect.wrap import track

EXPERIMENT = "prefect-pipeline"
SVM_C = (0.3, 3.0, 30.0)


@functools.lru_cache(maxsize=1)
def _digits() -> Any:
    from runway.demo import load_digits_split

    return load_digits_split()


@task
def load_data() -> dict[str, float]:
    d = _digits()
    return {"train_rows": float(len(d.y_train)), "val_rows": float(len(d.y_val))}


@task
def fit_svm(c: float, gamma: float) -> dict[str, float]:
    from sklearn.svm import SVC

    d = _digits()
    model = SVC(C=c, gamma=gamma).fit(d.x_train, d.y_train)
    return {"val_acc": float(model.score(d.x_val, d.y_val))}


@flow(name="digits-pipeline")
def digits_pipeline(cs: list[float], gamma: float = 0.05) -> float:
    load_data()
    scores = fit_svm.map(cs, gamma=gamma).result()
    return max(s["val_acc"] for s in scores)


def run_flow_demo(tracking_uri: str | None, project: str) -> int:
    """Run the pipeline once, recorded in ``project`` / ``prefect-pipeline``; returns the number
    of runs recorded (the flow run and its task runs)."""
    from prefect.testing.utilities import prefect_test_harness

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    tracked = track(
        digits_pipeline,
        project=project,
        experiment=EXPERIMENT,
        result_metrics=True,
        link_artifact=False,
        tracking_uri=tracking_uri,
        capture={"git": False, "diff": False, "source": False},
    )
    quiet = logging.getLogger("prefect")  # no flow-run log lines under the demo's progress bar
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        with prefect_test_harness(server_startup_timeout=90):
            tracked(list(SVM_C))
    finally:
        quiet.setLevel(level)
    return 2 + len(SVM_C)
