"""Median stopping: stop a trial whose best value so far is worse than the median, at the same
step, of the trials that finished (the rule of Google Vizier). Pure functions over metric
histories; the store calls them when a trial heart-beats."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from runway_core.schemas.sweep import STOP_TAG, STOPPED_TAG
from runway_core.sweeps.spec import EarlyStopSpec

__all__ = ["STOPPED_TAG", "STOP_TAG", "best_until", "median_stop_reason"]


Curve = Sequence[tuple[int, float]]  # (step, value), in step order


def best_until(curve: Curve, step: int, goal: str) -> float | None:
    values = [v for s, v in curve if s <= step and v == v]  # NaN: a gap
    if not values:
        return None
    return min(values) if goal == "min" else max(values)


def median_stop_reason(
    rule: EarlyStopSpec, metric: str, goal: str, trial: Curve, finished: Sequence[Curve]
) -> str | None:
    """Why the trial should stop now, or ``None`` to let it go on."""
    if len(finished) < rule.min_trials or not trial:
        return None
    step = trial[-1][0]
    if step < rule.min_steps:
        return None
    mine = best_until(trial, step, goal)
    others = [b for c in finished if (b := best_until(c, step, goal)) is not None]
    if mine is None or len(others) < rule.min_trials:
        return None
    median = statistics.median(others)
    worse = mine > median if goal == "min" else mine < median
    if not worse:
        return None
    return (
        f"median stopping: best {metric} {mine:.6g} by step {step} is worse than the median "
        f"{median:.6g} of {len(others)} finished trials"
    )
