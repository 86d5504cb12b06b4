"""Run search on SqlStore (SQLite, PostgreSQL) and HttpStore: filters, scope and order."""

from __future__ import annotations

from typing import Any

import pytest

from runway_core.errors import InvalidFilter, InvalidInput, NotFound
from runway_core.schemas import RunSearch
from runway_core.store import Store
from tests.runway_core.search.conftest import T0, World


def names(store: Store, **kw: Any) -> list[str]:
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


def test_filters(store: Store, world: World) -> None:
    wrong = {}
    for text, expected in FILTERS:
        got = set(names(store, project_id=world.project, filter=text))
        if got != expected:
            wrong[text] = (sorted(got), sorted(expected))
    assert wrong == {}


def test_id_and_experiment_attributes(store: Store, world: World) -> None:
    a = world.ids["svm-a"]
    assert names(store, project_id=world.project, filter=f"attributes.run_id = '{a}'") == ["svm-a"]
    assert names(store, project_id=world.project, filter=f"attributes.id in ('{a}', 'zz')") == [
        "svm-a"
    ]
    by_exp = names(
        store, project_id=world.project, filter=f"attributes.experiment_id = '{world.e2}'"
    )
    assert by_exp == ["mlp"]


def test_scope(store: Store, world: World) -> None:
    assert set(names(store, project_id=world.project)) == LIVE
    assert set(names(store, experiment_ids=[world.e1])) == {"svm-a", "svm-b", "tree", "bare"}
    assert set(names(store, experiment_ids=[world.e1, world.e2])) == LIVE
    assert set(names(store, experiment_ids=[world.e2, world.e2])) == {"mlp"}
    assert set(names(store, project_id=world.project, experiment_ids=[world.e2])) == {"mlp"}
    assert set(names(store, project_id=world.project, include_deleted=True)) == LIVE | {"deleted"}
    assert names(store, project_id=world.other_project) == ["other"]


def test_scope_errors(store: Store, world: World) -> None:
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


def test_odd_literals_do_not_reach_the_database_as_errors(store: Store, world: World) -> None:
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


def test_bad_filter_and_order_by(store: Store, world: World) -> None:
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
def test_order(store: Store, world: World, order_by: list[str], expected: list[str]) -> None:
    assert names(store, project_id=world.project, order_by=order_by) == expected


def test_include_data(store: Store, world: World) -> None:
    full = store.search_runs(RunSearch(experiment_ids=[world.e2])).runs[0]
    assert full.params["model"] == "mlp" and full.tags["stage"] == "prod"
    assert full.metrics["acc"].last == 0.65 and full.metrics["acc"].count == 2
    bare = store.search_runs(RunSearch(experiment_ids=[world.e2], include_data=False)).runs[0]
    assert bare.id == full.id and bare.params == {} and bare.metrics == {}
