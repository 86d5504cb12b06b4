"""Run search in SqlStore on SQLite and PostgreSQL: filters, scope, order and keyset paging."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from runway_core.errors import InvalidFilter, InvalidInput, NotFound
from runway_core.models import (
    ExperimentCreate,
    MetricBatch,
    MetricSeriesIn,
    ProjectCreate,
    RunCreate,
    RunSearch,
    RunStatus,
)
from runway_core.store.sql import SqlStore

T0 = 1769817600000  # 2026-01-31T00:00:00Z


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Iterator[SqlStore]:
    uri = request.getfixturevalue("sqlite_uri" if request.param == "sqlite" else "pg_uri")
    s = SqlStore(uri)
    yield s
    s.close()


@dataclass
class World:
    project: str
    other_project: str
    e1: str
    e2: str
    e3: str
    ids: dict[str, str]  # run name -> id


def _run(store: SqlStore, exp: str, name: str, acc: list[float] | None = None, **kw: Any) -> str:
    run = store.create_run(RunCreate(experiment_id=exp, name=name, **kw))
    if acc is not None:
        store.log_metrics(run.id, MetricBatch(metrics={"acc": MetricSeriesIn(values=acc)}))
    return run.id


@pytest.fixture
def world(store: SqlStore) -> World:
    p = store.create_project(ProjectCreate(name="digits"))
    q = store.create_project(ProjectCreate(name="elsewhere"))
    e1 = store.create_experiment(p.id, ExperimentCreate(name="svm")).id
    e2 = store.create_experiment(p.id, ExperimentCreate(name="mlp")).id
    e3 = store.create_experiment(q.id, ExperimentCreate(name="svm")).id
    ids = {
        "svm-a": _run(
            store,
            e1,
            "svm-a",
            [0.5, 0.95, 0.9],
            params={"model": "svm", "C": 0.5, "opt": {"lr": 0.1}, "use_bn": True},
            tags={"stage": "prod", "note": "Fast run"},
            status=RunStatus.finished,
            start_time=T0 + 1000,
            end_time=T0 + 5000,
            user="alice",
        ),
        "svm-b": _run(
            store,
            e1,
            "svm-b",
            [0.7, 0.8],
            params={"model": "svm", "C": 2, "use_bn": False},
            tags={"stage": "dev", "note": "slow"},
            status=RunStatus.failed,
            start_time=T0 + 2000,
            end_time=T0 + 2500,
            user="bob",
        ),
        "tree": _run(
            store,
            e1,
            "tree",
            [0.99],
            params={"model": "Tree", "C": "auto"},
            tags={"stage": "prod"},
            start_time=T0 + 3000,
        ),
        "bare": _run(store, e1, "bare", status=RunStatus.queued),
        "mlp": _run(
            store,
            e2,
            "mlp",
            [0.6, 0.65],
            params={"model": "mlp", "C": 10},
            tags={"stage": "prod", "note": "100% done", "pattern": "x*y[1]?"},
            start_time=T0 + 4000,
        ),
        "deleted": _run(store, e2, "deleted", [0.97], params={"model": "svm"}),
        "other": _run(store, e3, "other", [0.99], params={"model": "svm"}),
    }
    store.delete_run(ids["deleted"])
    return World(p.id, q.id, e1, e2, e3, ids)


def names(store: SqlStore, **kw: Any) -> list[str]:
    return [r.name or "" for r in store.search_runs(RunSearch(**kw)).runs]


LIVE = {"svm-a", "svm-b", "tree", "bare", "mlp"}
FILTERS: list[tuple[str, set[str]]] = [
    ("", LIVE),
    ("metrics.acc > 0.85", {"svm-a", "tree"}),
    ("metrics.acc.max >= 0.95", {"svm-a", "tree"}),
    ("metrics.acc.min < 0.6", {"svm-a"}),
    ("metrics.acc.last <= 0.8", {"svm-b", "mlp"}),
    ("metrics.acc.count = 2", {"svm-b", "mlp"}),
    ("metrics.acc in (0.8, 0.99)", {"svm-b", "tree"}),
    ("metrics.acc not in (0.8, 0.99)", {"svm-a", "mlp"}),
    ("metrics.acc is null", {"bare"}),
    ("metrics.acc IS NOT NULL", LIVE - {"bare"}),
    ("metrics.nope > 0 or metrics.nope <= 0", set()),
    ("params.C >= 1", {"svm-b", "mlp"}),
    ("params.C < 1", {"svm-a"}),
    ("params.C = 'auto'", {"tree"}),
    ("params.C = '2'", {"svm-b"}),
    ("params.C != 2", {"svm-a", "mlp"}),
    ("params.opt.lr = 0.1", {"svm-a"}),
    ("params.use_bn = true", {"svm-a"}),
    ("params.use_bn = 'false'", {"svm-b"}),
    ("params.model = 'svm' or params.C >= 5", {"svm-a", "svm-b", "mlp"}),
    ("(params.model = 'svm' or params.model = 'mlp') and tags.stage = 'prod'", {"svm-a", "mlp"}),
    (
        "params.model = 'svm' or params.model = 'mlp' and tags.stage = 'prod'",
        {"svm-a", "svm-b", "mlp"},
    ),
    ("params.model in ('svm', 'mlp')", {"svm-a", "svm-b", "mlp"}),
    ("params.model not in ('svm')", {"tree", "mlp"}),
    ("not params.model in ('svm')", {"tree", "mlp", "bare"}),
    ("params.C in (2, 'auto')", {"svm-b", "tree"}),
    ("params.C not in (2, 'auto')", {"svm-a", "mlp"}),
    ("params.model LIKE 'T%'", {"tree"}),
    ("params.model LIKE 't%'", set()),
    ("params.model ILIKE 't%'", {"tree"}),
    ("params.model ilike 'SV_'", {"svm-a", "svm-b"}),
    ("params.C is null", {"bare"}),
    ("tags.stage != 'dev'", {"svm-a", "tree", "mlp"}),
    ("not tags.stage = 'dev'", {"svm-a", "tree", "mlp", "bare"}),
    ("tags.stage IS NULL", {"bare"}),
    ("tags.note LIKE '%run'", {"svm-a"}),
    ("tags.note LIKE 'fast%'", set()),
    ("tags.note ILIKE 'FAST%'", {"svm-a"}),
    ("tags.note NOT LIKE '%slow%'", {"svm-a", "mlp"}),
    ("tags.note LIKE '100\\%%'", {"mlp"}),
    ("tags.note LIKE '10\\%%'", set()),
    ("tags.note LIKE '1_0%'", {"mlp"}),
    ("tags.pattern LIKE 'x*y[1]?'", {"mlp"}),
    ("tags.pattern LIKE 'x_y[1]_'", {"mlp"}),
    ("tags.pattern LIKE 'x*y[1]'", set()),
    ("tags.pattern LIKE 'xay%'", set()),
    ("tags.pattern ILIKE 'X*Y%'", {"mlp"}),
    ("attributes.status = 'finished'", {"svm-a"}),
    ("attributes.status in ('FAILED', 'running')", {"svm-b", "tree", "mlp"}),
    ("attributes.status != 'running'", {"svm-a", "svm-b", "bare"}),
    ("attributes.name LIKE 'svm%'", {"svm-a", "svm-b"}),
    ("attributes.name ILIKE 'SVM-_'", {"svm-a", "svm-b"}),
    ("attributes.user = 'alice' or attributes.user = 'bob'", {"svm-a", "svm-b"}),
    ("attributes.user is null", {"tree", "bare", "mlp"}),
    (f"attributes.start_time >= {T0 + 2000}", {"svm-b", "tree", "mlp"}),
    ("attributes.start_time > '2026-01-31T00:00:01.500Z'", {"svm-b", "tree", "mlp"}),
    ("attributes.start_time < '2026-01-31T00:00:02'", {"svm-a"}),
    (
        "attributes.start_time >= '2026-01-31' and attributes.start_time < '2026-02-01'",
        LIVE - {"bare"},
    ),
    ("attributes.start_time is null", {"bare"}),
    ("attributes.end_time > '2026-01-31T00:00:04Z'", {"svm-a"}),
    ("attributes.duration > 3000", {"svm-a"}),
    ("attributes.duration <= 500", {"svm-b"}),
    ("metrics.acc > 0.7 and not (tags.stage = 'prod' and params.C = 'auto')", {"svm-a", "svm-b"}),
]


def test_filters(store: SqlStore, world: World) -> None:
    wrong = {}
    for text, expected in FILTERS:
        got = set(names(store, project_id=world.project, filter=text))
        if got != expected:
            wrong[text] = (sorted(got), sorted(expected))
    assert wrong == {}


def test_id_and_experiment_attributes(store: SqlStore, world: World) -> None:
    a = world.ids["svm-a"]
    assert names(store, project_id=world.project, filter=f"attributes.run_id = '{a}'") == ["svm-a"]
    assert names(store, project_id=world.project, filter=f"attributes.id in ('{a}', 'zz')") == [
        "svm-a"
    ]
    by_exp = names(
        store, project_id=world.project, filter=f"attributes.experiment_id = '{world.e2}'"
    )
    assert by_exp == ["mlp"]


def test_scope(store: SqlStore, world: World) -> None:
    assert set(names(store, project_id=world.project)) == LIVE
    assert set(names(store, experiment_ids=[world.e1])) == {"svm-a", "svm-b", "tree", "bare"}
    assert set(names(store, experiment_ids=[world.e1, world.e2])) == LIVE
    assert set(names(store, experiment_ids=[world.e2, world.e2])) == {"mlp"}
    assert set(names(store, project_id=world.project, experiment_ids=[world.e2])) == {"mlp"}
    assert set(names(store, project_id=world.project, include_deleted=True)) == LIVE | {"deleted"}
    assert names(store, project_id=world.other_project) == ["other"]


def test_scope_errors(store: SqlStore, world: World) -> None:
    with pytest.raises(InvalidInput) as info:
        store.search_runs(RunSearch())
    assert info.value.field == "experiment_ids" and "project_id" in info.value.message
    with pytest.raises(NotFound) as nf:
        store.search_runs(RunSearch(experiment_ids=[world.e1, "0" * 32]))
    assert nf.value.field == "experiment_ids" and "0" * 32 in nf.value.message
    with pytest.raises(NotFound) as nf:
        store.search_runs(RunSearch(project_id="f" * 32))
    assert nf.value.field == "project_id"
    with pytest.raises(InvalidInput) as info:
        store.search_runs(RunSearch(project_id=world.project, experiment_ids=[world.e3]))
    assert info.value.field == "experiment_ids" and "not in project" in info.value.message
    with pytest.raises(InvalidInput) as info:
        store.search_runs(RunSearch(experiment_ids=[f"{i:032x}" for i in range(1001)]))
    assert info.value.field == "experiment_ids" and "at most 1000" in info.value.message


def test_odd_literals_do_not_reach_the_database_as_errors(store: SqlStore, world: World) -> None:
    assert names(
        store,
        project_id=world.project,
        filter="metrics.acc < 99999999999999999999999",
        order_by=["attributes.name"],
    ) == ["mlp", "svm-a", "svm-b", "tree"]
    assert names(store, project_id=world.project, filter="attributes.start_time > -1e15") != []
    with pytest.raises(InvalidFilter):
        store.search_runs(RunSearch(project_id=world.project, filter="tags.a = 'x\x00'"))
    with pytest.raises(InvalidFilter):
        store.search_runs(RunSearch(project_id=world.project, order_by=["tags.`a\x00`"]))


def test_bad_filter_and_order_by(store: SqlStore, world: World) -> None:
    with pytest.raises(InvalidFilter) as info:
        store.search_runs(RunSearch(project_id=world.project, filter="metrics.acc > 'high'"))
    assert info.value.position == 14 and info.value.status == 400
    with pytest.raises(InvalidFilter) as info:
        store.search_runs(RunSearch(project_id=world.project, order_by=["metrics.acc up"]))
    assert info.value.field == "order_by" and info.value.position == 12


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ([], ["mlp", "tree", "svm-b", "svm-a", "bare"]),  # start_time DESC, no start last
        (["attributes.start_time"], ["svm-a", "svm-b", "tree", "mlp", "bare"]),
        (["metrics.acc DESC"], ["tree", "svm-a", "svm-b", "mlp", "bare"]),
        (["metrics.acc ASC"], ["mlp", "svm-b", "svm-a", "tree", "bare"]),
        (["metrics.acc.min"], ["svm-a", "mlp", "svm-b", "tree", "bare"]),
        (["metrics.acc.max desc"], ["tree", "svm-a", "svm-b", "mlp", "bare"]),
        (["params.C"], ["svm-a", "svm-b", "mlp", "tree", "bare"]),  # numbers, then text
        (["params.C DESC"], ["mlp", "svm-b", "svm-a", "tree", "bare"]),
        (["tags.stage", "metrics.acc DESC"], ["svm-b", "tree", "svm-a", "mlp", "bare"]),
        (["tags.note DESC", "attributes.name"], ["svm-b", "svm-a", "mlp", "bare", "tree"]),
        (["attributes.name"], ["bare", "mlp", "svm-a", "svm-b", "tree"]),
        (
            ["attributes.duration DESC", "attributes.name"],
            ["svm-a", "svm-b", "bare", "mlp", "tree"],
        ),
    ],
)
def test_order(store: SqlStore, world: World, order_by: list[str], expected: list[str]) -> None:
    assert names(store, project_id=world.project, order_by=order_by) == expected


def test_include_data(store: SqlStore, world: World) -> None:
    full = store.search_runs(RunSearch(experiment_ids=[world.e2])).runs[0]
    assert full.params["model"] == "mlp" and full.tags["stage"] == "prod"
    assert full.metrics["acc"].last == 0.65 and full.metrics["acc"].count == 2
    bare = store.search_runs(RunSearch(experiment_ids=[world.e2], include_data=False)).runs[0]
    assert bare.id == full.id and bare.params == {} and bare.metrics == {}


def _all_pages(store: SqlStore, search: RunSearch) -> tuple[list[str], int]:
    ids: list[str] = []
    pages = 0
    token = None
    while True:
        page = store.search_runs(search.model_copy(update={"page_token": token}))
        pages += 1
        assert len(page.runs) <= search.limit
        ids += [r.id for r in page.runs]
        token = page.next_page_token
        if token is None:
            return ids, pages
        assert pages < 100, "paging does not end"


@pytest.fixture
def many(store: SqlStore) -> str:
    """23 runs with tied, missing and NaN metric values, tied params and missing tags."""
    p = store.create_project(ProjectCreate(name="many"))
    exp = store.create_experiment(p.id, ExperimentCreate(name="grid")).id
    runs = store.create_runs(
        [
            RunCreate(
                experiment_id=exp,
                name=f"r{i:02d}",
                start_time=T0 + (i % 4) * 1000,
                params={"lr": [0.1, 0.01, "auto"][i % 3]} if i % 5 else {},
                tags={"fold": str(i % 3)} if i % 4 else {},
            )
            for i in range(23)
        ]
    )
    for i, run in enumerate(runs):
        if i % 7 == 0:
            continue  # no acc at all
        value = None if i % 11 == 0 else (i % 5) / 10  # None is NaN: a summary with last NULL
        store.log_metrics(run.id, MetricBatch(metrics={"acc": MetricSeriesIn(values=[value])}))
    return exp


@pytest.mark.parametrize(
    "order_by",
    [
        [],
        ["metrics.acc DESC"],
        ["metrics.acc"],
        ["params.lr DESC"],
        ["params.lr", "metrics.acc DESC"],
        ["tags.fold DESC", "attributes.start_time"],
        ["attributes.name DESC"],
    ],
)
def test_paging_visits_every_run_once(store: SqlStore, many: str, order_by: list[str]) -> None:
    search = RunSearch(experiment_ids=[many], order_by=order_by, limit=4)
    whole = [r.id for r in store.search_runs(search.model_copy(update={"limit": 100})).runs]
    assert len(whole) == 23
    paged, pages = _all_pages(store, search)
    assert paged == whole  # same order, no duplicates, no gaps
    assert pages == 6


def test_paging_with_filter_and_exact_multiple(store: SqlStore, many: str) -> None:
    search = RunSearch(
        experiment_ids=[many], filter="metrics.acc >= 0.2", order_by=["metrics.acc DESC"], limit=2
    )
    whole = store.search_runs(search.model_copy(update={"limit": 100})).runs
    accs = [r.metrics["acc"].last for r in whole]
    assert accs == sorted(accs, reverse=True) and len(whole) == 10
    paged, pages = _all_pages(store, search)
    assert paged == [r.id for r in whole]
    assert pages == 5  # no empty page after an exactly full last page


@pytest.mark.parametrize(
    ("filter_", "order_by", "count"),
    [
        ("metrics.acc > 0.1 and metrics.acc < 0.4", ["metrics.acc"], 7),
        ("metrics.acc >= 0 and tags.fold != '1'", ["metrics.acc DESC", "tags.fold"], 8),
        ("params.lr < 1", ["params.lr DESC", "attributes.name"], 13),
        ("params.lr = 'auto' or metrics.acc > 0.3", ["params.lr"], 8),
        ("tags.fold in ('0', '2')", ["tags.fold", "metrics.acc DESC"], 11),
        ("attributes.start_time > 0", ["metrics.acc.max DESC"], 23),
        ("metrics.acc is null", ["metrics.acc"], 6),
    ],
)
def test_paging_filtered_sorted(
    store: SqlStore, many: str, filter_: str, order_by: list[str], count: int
) -> None:
    search = RunSearch(experiment_ids=[many], filter=filter_, order_by=order_by, limit=3)
    whole = [r.id for r in store.search_runs(search.model_copy(update={"limit": 100})).runs]
    assert len(whole) == count
    paged, _ = _all_pages(store, search)
    assert paged == whole


def test_metric_sort_puts_missing_and_nan_last(store: SqlStore, many: str) -> None:
    for order in ("DESC", "ASC"):
        runs = store.search_runs(
            RunSearch(experiment_ids=[many], order_by=[f"metrics.acc {order}"])
        ).runs
        values = [r.metrics["acc"].last if "acc" in r.metrics else None for r in runs]
        present = [v for v in values if v is not None]
        assert values == present + [None] * 6  # 4 runs without acc, 2 with NaN
        assert present == sorted(present, reverse=order == "DESC")


def test_page_token_is_checked(store: SqlStore, many: str) -> None:
    search = RunSearch(experiment_ids=[many], order_by=["metrics.acc DESC"], limit=3)
    token = store.search_runs(search).next_page_token
    assert token is not None
    body = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))

    def forged(**change: Any) -> str:
        raw = json.dumps({**body, **change}).encode()
        return base64.urlsafe_b64encode(raw).decode()

    bad_tokens = [
        "not a token!",
        token[:-5],
        "e30",  # {}
        forged(v=["high"]),
        forged(v=[1.0, 2.0]),
        forged(id=7),
        forged(o="metrics.acc ASC"),
        forged(v=[float("nan")]),
        forged(v=[1e400]),
        forged(id="ab\x00"),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ]
    for bad in bad_tokens:
        with pytest.raises(InvalidInput) as info:
            store.search_runs(search.model_copy(update={"page_token": bad}))
        assert info.value.field == "page_token", bad
    with pytest.raises(InvalidInput) as info:  # a token used with another order
        store.search_runs(search.model_copy(update={"page_token": token, "order_by": []}))
    assert info.value.field == "page_token"
