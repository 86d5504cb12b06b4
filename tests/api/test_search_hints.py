"""A filter naming a key no run in scope has returns no runs and a hint with the nearest keys, in
the API (POST /runs/search, GET /runs), over HttpStore and in ``runway.Client.search_runs``."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runway import Client
from runway.api.app import create_app
from runway_core.config import Settings
from runway_core.schemas import (
    ExperimentCreate,
    MetricBatch,
    MetricSeriesIn,
    ProjectCreate,
    RunCreate,
)
from runway_core.store.http import HttpStore
from runway_core.store.sql import SqlStore

from .conftest import API, ok


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    uri = request.getfixturevalue("sqlite_uri" if request.param == "sqlite" else "pg_uri")
    s = SqlStore(uri, artifacts_uri=str(tmp_path / "a"))
    yield s
    s.close()


@pytest.fixture
def api(store: SqlStore) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(), store=store)) as c:
        yield c


@pytest.fixture
def project(store: SqlStore) -> str:
    """Runs with metrics acc and val/loss, params lr and opt.name, tag stage; another project
    has the metric "accuracy", which is out of scope."""
    p = store.create_project(ProjectCreate(name="p"))
    e = store.create_experiment(p.id, ExperimentCreate(name="e"))
    for i in range(3):
        run = store.create_run(
            RunCreate(
                experiment_id=e.id,
                params={"lr": 0.1 * i, "opt": {"name": "adam"}},
                tags={"stage": "dev"},
            )
        )
        metrics = {
            "acc": MetricSeriesIn(values=[0.5 + i / 10]),
            "val/loss": MetricSeriesIn(values=[1.0]),
        }
        store.log_metrics(run.id, MetricBatch(metrics=metrics))
    other = store.create_project(ProjectCreate(name="other"))
    oe = store.create_experiment(other.id, ExperimentCreate(name="e"))
    orun = store.create_run(RunCreate(experiment_id=oe.id))
    store.log_metrics(orun.id, MetricBatch(metrics={"accuracy": MetricSeriesIn(values=[1.0])}))
    return p.id


def _search(api: TestClient, project: str, text: str) -> dict:
    return ok(api.post(f"{API}/runs/search", json={"project_id": project, "filter": text}))


def test_a_misspelt_key_gets_a_hint_naming_the_nearest_keys(api: TestClient, project: str) -> None:
    page = _search(api, project, "metrics.accc > 0.9")
    assert page["runs"] == []
    assert page["hints"] == ["no run in scope has metrics.accc; did you mean metrics.acc?"]
    page = _search(api, project, "params.opt.nme = 'adam' and tags.stgae = 'dev'")
    assert page["hints"] == [
        "no run in scope has params.opt.nme; did you mean params.opt.name?",
        "no run in scope has tags.stgae; did you mean tags.stage?",
    ]
    page = _search(api, project, "metrics.`val loss`.min < 2 or metrics.zzz > 1")
    assert page["hints"] == [
        "no run in scope has metrics.`val loss`; did you mean metrics.val/loss?",
        "no run in scope has metrics.zzz",
    ]


def test_no_hint_when_the_keys_exist_or_runs_match(api: TestClient, project: str) -> None:
    page = _search(api, project, "metrics.acc > 5")  # nothing matches, but the key exists
    assert (page["runs"], page["hints"]) == ([], [])
    page = _search(api, project, "metrics.acc > 0.55 or metrics.accc > 1")
    assert len(page["runs"]) == 2 and page["hints"] == []


def test_get_runs_has_the_same_hints(api: TestClient, project: str) -> None:
    page = ok(api.get(f"{API}/runs", params={"project_id": project, "filter": "tags.stag = 'x'"}))
    assert page["hints"] == ["no run in scope has tags.stag; did you mean tags.stage?"]


@pytest.mark.parametrize("transport", ["sql", "http"])
def test_client_search_runs_exposes_the_hints_and_warns_once(
    api: TestClient, store: SqlStore, project: str, transport: str
) -> None:
    backend = store if transport == "sql" else HttpStore("http://testserver", client=api)
    client = Client(store=backend)
    with pytest.warns(UserWarning) as caught:
        runs = client.search_runs(project="p", filter="metrics.acuracy > 0.9")
    assert list(runs) == []
    assert runs.hints == ["no run in scope has metrics.acuracy; did you mean metrics.acc?"]
    assert [str(w.message) for w in caught] == runs.hints
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(client.search_runs(project="p", filter="metrics.acc > 0")) == 3
