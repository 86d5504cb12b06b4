"""The sweep spec and the suggestions: errors name the key; grid, random and bayes points are
what the spec says, and the same for the same seed."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from runway_core.errors import InvalidInput
from runway_core.sweeps import load_spec, parse_spec
from runway_core.sweeps.early_stop import median_stop_reason
from runway_core.sweeps.spec import EarlyStopSpec
from runway_core.sweeps.suggest import Observation, bayes_point, grid_points, random_points

SPACE: dict[str, Any] = {
    "lr": {"distribution": "log_uniform", "min": 1e-4, "max": 1e-1},
    "layers": {"distribution": "int_uniform", "min": 1, "max": 4},
    "dropout": {"distribution": "uniform", "min": 0, "max": 0.5},
    "noise": {"distribution": "normal", "mu": 1, "sigma": 0.1},
    "opt": {"distribution": "categorical", "values": ["adam", "sgd"]},
    "batch": {"values": [32, 64]},
    "epochs": {"value": 3},
}


def _spec(**changes: Any) -> Any:
    base = {
        "method": "random",
        "metric": {"name": "loss", "goal": "minimize"},
        "parameters": SPACE,
        "budget": {"max_trials": 20},
        "seed": 7,
    }
    return parse_spec({**base, **changes})


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"method": "anneal"}, "method", "grid"),
        ({"metric": {"name": "loss"}}, "metric.goal", "required"),
        ({"parameters": {"lr": {"distribution": "uniform", "min": 1}}}, "parameters.lr", "max"),
        ({"parameters": {"lr": {"distribution": "log_uniform", "min": 0, "max": 1}}},
         "parameters.lr", "min > 0"),
        ({"parameters": {"n": {"distribution": "int_uniform", "min": 0.5, "max": 3}}},
         "parameters.n", "whole"),
        ({"parameters": {"n": {"values": [1], "value": 1}}}, "parameters.n", "exactly one"),
        ({"parameters": {"n": {"distribution": "normal", "mu": 0, "sigma": -1}}},
         "parameters.n.sigma", "greater than 0"),
        ({"budget": {"max_trials": 0}}, "budget.max_trials", "greater than or equal to 1"),
        ({"budget": {}}, "budget.max_trials", "random needs"),
        ({"early_stop": {"type": "hyperband"}}, "early_stop.type", "median"),
        ({"command": "python train.py", "launcher": {"type": "prefect"}}, "launcher", "not both"),
        ({"seeds": 3}, "seeds", "unknown key"),
        ({"method": "grid", "budget": {},
          "parameters": {f"p{i}": {"values": list(range(10))} for i in range(5)}},
         "budget.max_trials", "100000 points"),
        ({"budget": {"max_trials": 10_001}}, "budget.max_trials", "less than or equal to 10000"),
    ],
)  # fmt: skip
def test_errors_name_the_offending_key(changes: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(InvalidInput) as err:
        _spec(**changes)
    assert err.value.field == field
    assert words in err.value.message and err.value.message.startswith(f"spec: {field}: ")


def test_yaml_and_json_files(tmp_path: Path) -> None:
    yaml_file = tmp_path / "s.yaml"
    yaml_file.write_text(
        "method: grid\nmetric: {name: acc, goal: max}\ncommand: python train.py --fast\n"
        "parameters:\n  c: {values: [0.1, 1]}\nlauncher_note: x\n"
    )
    with pytest.raises(InvalidInput, match="launcher_note: unknown key"):
        load_spec(yaml_file)
    yaml_file.write_text(yaml_file.read_text().replace("launcher_note: x\n", ""))
    spec = load_spec(yaml_file)
    assert (spec.metric.goal, spec.command, spec.max_trials) == (
        "max", ["python", "train.py", "--fast"], 2,
    )  # fmt: skip
    json_file = tmp_path / "s.json"
    json_file.write_text('{"method": "grid", ')
    with pytest.raises(InvalidInput, match="not JSON"):
        load_spec(json_file)
    with pytest.raises(InvalidInput, match="cannot read"):
        load_spec(tmp_path / "missing.yaml")


def test_grid_is_the_product_in_order_cut_by_the_budget() -> None:
    spec = _spec(
        method="grid",
        parameters={"a": {"values": [1, 2]}, "b": {"values": ["x", "y", "z"]}, "c": {"value": 0}},
        budget={},
    )
    points = grid_points(spec)
    assert [(p["a"], p["b"]) for p in points] == [
        (1, "x"), (1, "y"), (1, "z"), (2, "x"), (2, "y"), (2, "z"),
    ]  # fmt: skip
    assert {p["c"] for p in points} == {0}
    assert len(grid_points(spec.model_copy(update={"budget": spec.budget.model_copy(
        update={"max_trials": 4})}))) == 4  # fmt: skip


def test_random_points_keep_to_the_space_and_the_seed() -> None:
    spec = _spec()
    points = random_points(spec, seed=7)
    assert len(points) == 20 and points == random_points(spec, seed=7)
    assert points != random_points(spec, seed=8)
    for p in points:
        assert 1e-4 <= p["lr"] <= 1e-1 and p["layers"] in {1, 2, 3, 4}
        assert 0 <= p["dropout"] <= 0.5 and p["opt"] in {"adam", "sgd"}
        assert p["batch"] in {32, 64} and p["epochs"] == 3 and isinstance(p["noise"], float)
    logs = [math.log10(p["lr"]) for p in points]
    assert min(logs) < -3 and max(logs) > -2  # spread over the decades, not bunched at the top


def test_bayes_points_are_deterministic_and_inside_the_space() -> None:
    spec = _spec(method="bayes")
    history = [Observation(p, float(i)) for i, p in enumerate(random_points(spec, seed=1)[:12])]
    first = bayes_point(spec, history, number=12, seed=7)
    assert first == bayes_point(spec, history, number=12, seed=7)
    assert first != bayes_point(spec, history, number=13, seed=7)
    assert 1e-4 <= first["lr"] <= 1e-1 and first["epochs"] == 3
    assert 0.7 <= first["noise"] <= 1.3  # normal: searched over mu ± 3 sigma


def test_median_stopping_rule() -> None:
    rule = EarlyStopSpec(min_trials=3, min_steps=2)
    finished = [[(s, 1.0 / (s + 1)) for s in range(10)] for _ in range(3)]
    bad = [(s, 5.0) for s in range(3)]
    reason = median_stop_reason(rule, "loss", "min", bad, finished)
    assert reason is not None and "median" in reason and "step 2" in reason
    assert median_stop_reason(rule, "loss", "min", bad[:2], finished) is None  # too early
    assert median_stop_reason(rule, "loss", "min", bad, finished[:2]) is None  # too few
    good = [(s, 0.1) for s in range(3)]
    assert median_stop_reason(rule, "loss", "min", good, finished) is None
    assert median_stop_reason(rule, "acc", "max", good, finished) is not None  # goal flips it
