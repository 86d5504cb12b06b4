"""The one rule that says which way a metric is better (``runway_core.metrics.goals``)."""

from __future__ import annotations

import pytest

from runway_core.metrics.goals import goal_by_name, resolve_goal


@pytest.mark.parametrize(
    "key",
    [
        "loss",
        "val_loss",
        "train/loss",
        "test_rmse",
        "valLoss",
        "eval.error",
        "top1-err",
        "MSE",
        "mae",
        "val_mape",
        "perplexity",
        "ppl",
        "fit_seconds",
        "epoch_time",
        "p95 latency",
        "duration",
        "wer",
        "dev/cer",
        "nll",
    ],
)
def test_lower_is_better_by_name(key: str) -> None:
    assert goal_by_name(key) == "min"


@pytest.mark.parametrize(
    "key",
    [
        "acc",
        "val_acc",
        "f1",
        "auc",
        "r2",
        "bleu",
        "glossary_size",  # "loss" inside a word is not the word loss
        "timestamp_count",
        "terror",
        "precision",
        "reward",
    ],
)
def test_higher_is_better_otherwise(key: str) -> None:
    assert goal_by_name(key) == "max"


def test_resolution_order_setting_then_primary_then_name() -> None:
    by_name = resolve_goal("val_loss")
    assert (by_name.goal, by_name.source) == ("min", "name")
    primary = resolve_goal("val_loss", primary_metric="val_loss", primary_metric_goal="max")
    assert (primary.goal, primary.source) == ("max", "primary_metric")
    other = resolve_goal("acc", primary_metric="val_loss", primary_metric_goal="min")
    assert (other.goal, other.source) == ("max", "name")
    setting = resolve_goal(
        "val_loss",
        settings={"val_loss": "max"},
        primary_metric="val_loss",
        primary_metric_goal="min",
    )
    assert (setting.goal, setting.source) == ("max", "setting")
    assert resolve_goal("acc", primary_metric="acc").goal == "max"  # no stored goal: by name


def test_resolved_goal_reads_as_a_sentence() -> None:
    assert resolve_goal("val_loss").explain() == "lower is better — by name"
    assert (
        resolve_goal("acc", settings={"acc": "min"}).explain()
        == "lower is better — set for this project"
    )
    assert resolve_goal("acc", primary_metric="acc", primary_metric_goal="max").explain() == (
        "higher is better — the project's primary metric goal"
    )
    assert resolve_goal("acc").order == "desc" and resolve_goal("loss").order == "asc"
