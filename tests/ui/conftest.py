"""Dashboard fixtures: a temp SQLite database seeded through the real store, and AppTest runners."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from runway_core.schemas import (
    ExperimentCreate,
    MetricBatch,
    MetricSeriesIn,
    ProjectCreate,
    RunCreate,
    RunStatus,
    RunUpdate,
)
from runway_core.store.sql import SqlStore

APP = Path(__file__).resolve().parents[2] / "ui" / "app.py"


@dataclass
class Seeded:
    uri: str
    project: str = "digits"
    runs: dict[str, str] = field(default_factory=dict)  # run name → id
    experiments: dict[str, str] = field(default_factory=dict)


def _config(c: float, kernel: str) -> bytes:
    body = {"model": "SVC", "params": {"C": c, "kernel": kernel}, "data": {"seed": 0}}
    return (json.dumps(body, indent=2, sort_keys=True) + "\n").encode()


def seed(uri: str, artifacts_uri: str | None = None) -> Seeded:
    """Project "digits": svm (3 finished runs over C, kernel), then mlp (2 runs, one running)."""
    store = SqlStore(uri, artifacts_uri=artifacts_uri)
    out = Seeded(uri)
    try:
        project = store.create_project(
            ProjectCreate(name="digits", primary_metric="val_acc", primary_metric_goal="max")
        )
        svm = store.create_experiment(project.id, ExperimentCreate(name="svm"))
        mlp = store.create_experiment(project.id, ExperimentCreate(name="mlp"))
        out.experiments = {"svm": svm.id, "mlp": mlp.id}
        plans = [
            (svm.id, "svm-a", {"C": 0.1, "kernel": "rbf"}, [0.50, 0.60, 0.70], True),
            (svm.id, "svm-b", {"C": 1.0, "kernel": "rbf"}, [0.70, 0.80, 0.90], True),
            (svm.id, "svm-c", {"C": 10.0, "kernel": "linear"}, [0.60, 0.75, 0.85], True),
            (mlp.id, "mlp-a", {"C": 1.0, "kernel": "mlp", "lr": 0.01}, [0.3, 0.6, 0.95], True),
            (mlp.id, "mlp-live", {"C": 1.0, "kernel": "mlp", "lr": 0.1}, [0.2, 0.4], False),
        ]
        for i, (exp_id, name, params, values, done) in enumerate(plans):
            run = store.create_run(
                RunCreate(
                    experiment_id=exp_id,
                    name=name,
                    params=params,
                    tags={"stage": "test"},
                    start_time=1_700_000_000_000 + i * 60_000,
                    source="script",
                    git_commit="0123456789abcdef0123",
                    git_remote="git@github.com:org/digits.git",
                    git_branch="main",
                    command=f"python train.py --name {name}",
                )
            )
            out.runs[name] = run.id
            steps = list(range(1, len(values) + 1))
            store.log_metrics(
                run.id,
                MetricBatch(
                    metrics={
                        "val_acc": MetricSeriesIn(steps=steps, values=values),
                        "loss": MetricSeriesIn(steps=steps, values=[1 - v for v in values]),
                    }
                ),
            )
            kernel = str(params["kernel"])
            store.log_artifact(run.id, "config.json", io.BytesIO(_config(params["C"], kernel)))
            store.log_artifact(run.id, "model.bin", io.BytesIO(bytes([i, 0, 255, 1]) * 64))
            if done:
                store.update_run(
                    run.id,
                    RunUpdate(status=RunStatus.finished, end_time=1_700_000_030_000 + i * 60_000),
                )
        from runway.demo import _heatmap_png

        png = _heatmap_png([[3, 0], [1, 2]])
        store.log_artifact(out.runs["svm-b"], "plots/confusion.png", io.BytesIO(png))
        store.log_artifact(
            out.runs["svm-a"],
            "runway/git.diff",
            io.BytesIO(b"--- a/train.py\n+++ b/train.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"),
        )
    finally:
        store.close()
    return out


def seed_runs(uri: str, project: str, experiment: str, count: int) -> dict[str, str]:
    """``count`` runs named ``<experiment>-0000``… in one transaction, oldest first (name → id)."""
    store = SqlStore(uri)
    try:
        p = store.create_project(ProjectCreate(name=project), exist_ok=True)
        e = store.create_experiment(p.id, ExperimentCreate(name=experiment), exist_ok=True)
        runs = store.create_runs(
            [
                RunCreate(
                    experiment_id=e.id,
                    name=f"{experiment}-{i:04d}",
                    start_time=1_600_000_000_000 + i * 1000,
                    status=RunStatus.finished,
                )
                for i in range(count)
            ]
        )
    finally:
        store.close()
    return {str(r.name): r.id for r in runs}


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    uri = f"sqlite:///{tmp_path / 'runway.db'}"
    monkeypatch.setenv("RUNWAY_TRACKING_URI", uri)
    return seed(uri)


@pytest.fixture
def seeded_server(live_server, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    """The same data behind a real ``runway server``; the dashboard reads it over HTTP."""
    seeded = seed(live_server.backend_uri, live_server.artifacts_uri)
    seeded.uri = live_server.url
    monkeypatch.setenv("RUNWAY_TRACKING_URI", live_server.url)
    return seeded


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    uri = f"sqlite:///{tmp_path / 'empty.db'}"
    SqlStore(uri).close()
    monkeypatch.setenv("RUNWAY_TRACKING_URI", uri)
    return uri


@pytest.fixture
def browser() -> Iterator[object]:
    from tests.ui.browser import chromium_page

    yield from chromium_page()


@pytest.fixture
def open_page() -> Iterator[Callable[..., object]]:
    """``open_page("run", run=id)``: run the app on a page with query params, like a deep link."""
    from streamlit.testing.v1 import AppTest

    def _open(page: str, **params: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=30)
        at.query_params.update({"page": page, **params})
        at.run()
        return at

    yield _open
