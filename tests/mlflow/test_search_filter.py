"""MLflow's search grammar → Runway's: the translation itself, and the in-memory experiment
filter (no server needed)."""

from __future__ import annotations

import pytest

from runway.api.mlflow.search_filter import (
    experiment_matcher,
    sort_experiments,
    translate_filter,
    translate_order_by,
)
from runway_core.errors import InvalidFilter
from runway_core.search.parser import parse_filter


@pytest.mark.parametrize(
    ("mlflow", "runway"),
    [
        ("", ""),
        ("metrics.acc > 0.9", "metrics.`acc` > 0.9"),
        ("metrics.acc.max >= 1", "metrics.`acc.max` >= 1"),  # a key, not Runway's aggregate
        ("params.lr = '0.01' and tags.`a b` != 'x'", "params.`lr` = '0.01' and tags.`a b` != 'x'"),
        ("tags.\"user-name\" LIKE 'tom%'", "tags.`user-name` LIKE 'tom%'"),
        ("attributes.status = 'FINISHED'", "attributes.status = 'finished'"),
        (
            "attribute.status IN ('SCHEDULED', 'KILLED')",
            "attributes.status IN ( 'queued' , 'killed' )",
        ),
        ("attributes.run_name ILIKE '%svm%'", "attributes.name ILIKE '%svm%'"),
        ("attributes.created > 5", "attributes.start_time > 5"),
        ("attributes.experiment_id = '0'", "attributes.experiment_id = 'abc'"),
        ("params.q = 'it''s'", "params.`q` = 'it''s'"),
    ],
)
def test_filters_translate_and_parse_in_runway(mlflow: str, runway: str) -> None:
    translated = translate_filter(mlflow, "abc")
    assert translated == runway
    if translated:
        parse_filter(translated)  # what Runway's search accepts


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("attributes.artifact_uri = 'x'", "not searchable"),
        ("attributes.colour = 'x'", "not an attribute"),
        ("datasets.name = 'x'", "invalid entity"),
        ("metrics.acc > 'unterminated", "unterminated"),
    ],
)
def test_bad_filters_name_the_problem(bad: str, message: str) -> None:
    with pytest.raises(InvalidFilter, match=message):
        translate_filter(bad, None)


def test_order_by_keeps_direction_and_adds_mlflows_tie_break() -> None:
    assert translate_order_by(["metrics.rmse DESC", "params.model"]) == [
        "metrics.`rmse` DESC",
        "params.`model`",
        "attributes.start_time DESC",
    ]
    assert translate_order_by(["attributes.start_time ASC"]) == ["attributes.start_time ASC"]
    with pytest.raises(InvalidFilter, match="order_by"):
        translate_order_by(["DESC"])


EXPERIMENTS = [
    {
        "experiment_id": "1",
        "name": "svm",
        "creation_time": 10,
        "tags": [{"key": "t", "value": "a"}],
    },
    {"experiment_id": "2", "name": "SVM-large", "creation_time": 30},
    {
        "experiment_id": "3",
        "name": "mlp",
        "creation_time": 20,
        "tags": [{"key": "t", "value": "b"}],
    },
]


def test_experiment_filter_and_order() -> None:
    def ids(filter_text: str, order: list[str] | None = None) -> list[str]:
        matches = experiment_matcher(filter_text)
        found = [e for e in EXPERIMENTS if matches(e)]
        return [e["experiment_id"] for e in sort_experiments(found, order or [])]

    assert ids("") == ["2", "3", "1"]  # newest first
    assert ids("name LIKE 'svm%'") == ["1"]
    assert ids("name ILIKE 'svm%'") == ["2", "1"]
    assert ids("attributes.creation_time >= 20", ["name"]) == ["2", "3"]
    assert ids("tags.t = 'b'") == ["3"]
    assert ids("tags.t != 'zzz' AND name != 'svm'") == ["3"]
    assert ids("", ["name DESC"]) == ["1", "3", "2"]  # "svm" > "mlp" > "SVM-large"
    with pytest.raises(InvalidFilter, match="unknown field"):
        experiment_matcher("colour = 'red'")
    with pytest.raises(InvalidFilter, match="AND"):
        experiment_matcher("name = 'a' OR name = 'b'")
