"""Which way a metric is better: the one rule the store's "best" aggregates and the dashboard use.

For a metric key in a project, in this order: the project's own setting for that key (changed
in the dashboard or over the API), then the project's ``primary_metric_goal`` when the key is its
primary metric, then a default by name — lower is better when a word of the key names a loss,
an error or a cost (``val_loss``, ``train/loss``, ``test_rmse``, ``fit_seconds``), higher
otherwise. Pure Python, no database: HTTP-only clients use it too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from runway_core.errors import InvalidInput

Goal = Literal["max", "min"]
GoalSource = Literal["setting", "primary_metric", "name"]
GOALS: tuple[Goal, ...] = ("max", "min")

# Words that make a metric a quantity to minimise, matched against whole word parts of the key
# so that "glossary" or "terror" do not count.
MINIMIZE_WORDS = frozenset(
    {
        # losses and errors
        "loss",
        "error",
        "err",
        "nll",
        "mse",
        "rmse",
        "msle",
        "rmsle",
        "mae",
        "mape",
        "smape",
        "wer",
        "cer",
        "ter",
        "perplexity",
        "ppl",
        "bpc",
        "bpd",
        "fid",
        "eer",
        "fpr",
        "fnr",
        "regret",
        "cost",
        # time
        "time",
        "latency",
        "duration",
        "seconds",
        "secs",
        "runtime",
    }
)
# Word parts: split at anything but letters and digits, and at camelCase humps (valLoss).
_SEPARATORS = re.compile(r"[^0-9A-Za-z]+")
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")

_REASONS: dict[GoalSource, str] = {
    "setting": "set for this project",
    "primary_metric": "the project's primary metric goal",
    "name": "by name",
}


@dataclass(frozen=True)
class ResolvedGoal:
    """A metric's goal and where it came from."""

    key: str
    goal: Goal
    source: GoalSource

    @property
    def order(self) -> Literal["asc", "desc"]:
        """The sort direction that puts the best value first."""
        return "asc" if self.goal == "min" else "desc"

    def explain(self) -> str:
        """``lower is better — by name``: what a page shows next to a "best" value."""
        better = "lower" if self.goal == "min" else "higher"
        return f"{better} is better — {_REASONS[self.source]}"


def words(key: str) -> list[str]:
    """The lower-cased word parts of a metric key: ``train/valLoss_2`` → train, val, loss, 2."""
    return [w.lower() for part in _SEPARATORS.split(key) for w in _WORDS.findall(part)]


def goal_by_name(key: str) -> Goal:
    """``min`` when a word of ``key`` names a loss, an error, a cost or a time; else ``max``."""
    return "min" if any(w in MINIMIZE_WORDS for w in words(key)) else "max"


def resolve_goal(
    key: str,
    *,
    settings: Mapping[str, str] | None = None,
    primary_metric: str | None = None,
    primary_metric_goal: str | None = None,
) -> ResolvedGoal:
    """The goal in force for ``key``: a per-project setting, else the primary metric's goal when
    ``key`` is the primary metric, else the default by name."""
    explicit = (settings or {}).get(key)
    if explicit in GOALS:
        return ResolvedGoal(key, explicit, "setting")  # type: ignore[arg-type]
    if key == primary_metric and primary_metric_goal in GOALS:
        return ResolvedGoal(key, primary_metric_goal, "primary_metric")  # type: ignore[arg-type]
    return ResolvedGoal(key, goal_by_name(key), "name")


def check_goal(goal: object, field: str = "goal") -> Goal:
    """``goal`` if it is ``max`` or ``min``; anything else is refused naming ``field``."""
    if goal not in GOALS:
        raise InvalidInput(f"{field} must be 'max' or 'min', got {goal!r}", field=field)
    return goal  # type: ignore[return-value]
