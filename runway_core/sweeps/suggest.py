"""Which parameters a sweep's trials get: grid and random up front, ``bayes`` one at a time
through Optuna's TPE sampler fed with the finished trials. Deterministic for a given seed (and,
for ``bayes``, the same finished trials in the same order)."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from runway_core.errors import InvalidInput
from runway_core.sweeps.spec import ParameterSpec, SweepSpec


@dataclass(frozen=True)
class Observation:
    """A finished trial as the sampler sees it."""

    params: dict[str, Any]
    value: float


def grid_points(spec: SweepSpec) -> list[dict[str, Any]]:
    """Every combination, the first parameter varying slowest; cut at ``budget.max_trials``."""
    keys = list(spec.parameters)
    choices = [spec.parameters[k].choices or [] for k in keys]
    points = (dict(zip(keys, combo, strict=True)) for combo in itertools.product(*choices))
    return list(itertools.islice(points, spec.max_trials))


def random_points(spec: SweepSpec, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        {key: _draw(param, rng) for key, param in spec.parameters.items()}
        for _ in range(spec.max_trials)
    ]


def _draw(param: ParameterSpec, rng: random.Random) -> Any:
    choices = param.choices
    if choices is not None:
        return choices[0] if len(choices) == 1 else rng.choice(choices)
    lo, hi = param.min, param.max
    match param.distribution:
        case "uniform":
            assert lo is not None and hi is not None
            return rng.uniform(lo, hi)
        case "log_uniform":
            assert lo is not None and hi is not None
            return math.exp(rng.uniform(math.log(lo), math.log(hi)))
        case "int_uniform":
            assert lo is not None and hi is not None
            return rng.randint(int(lo), int(hi))
        case "normal":
            assert param.mu is not None and param.sigma is not None
            return rng.gauss(param.mu, param.sigma)
    raise AssertionError(f"unknown distribution {param.distribution}")


def bayes_point(
    spec: SweepSpec, history: Sequence[Observation], number: int, seed: int
) -> dict[str, Any]:
    """The next trial's parameters from Optuna's TPE sampler, given the finished trials.

    A fresh in-memory study is built from ``history`` each time: the store is the only state,
    so any worker can ask. ``normal`` parameters are searched over mu ± 3 sigma.
    """
    try:
        import optuna
    except ImportError:
        raise InvalidInput(
            "method bayes needs Optuna: pip install 'runway-tracker[sweeps]' where the sweep "
            "is stored (the runway server, or this machine for a local database)",
            field="method",
        ) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dists = {k: _distribution(optuna, p) for k, p in spec.parameters.items() if not p.is_constant}
    sampler = optuna.samplers.TPESampler(seed=(seed + number) % 2**32)
    study = optuna.create_study(
        direction="minimize" if spec.metric.goal == "min" else "maximize", sampler=sampler
    )
    for obs in history:
        values = {k: obs.params[k] for k in dists if k in obs.params}
        if len(values) != len(dists) or not math.isfinite(obs.value):
            continue  # a trial from before the space changed, or without a usable value
        try:
            study.add_trial(
                optuna.trial.create_trial(params=values, distributions=dists, value=obs.value)
            )
        except ValueError:
            continue  # a value outside the distribution (edited by hand): not evidence
    trial = study.ask(dists)
    point = {k: p.value for k, p in spec.parameters.items() if p.is_constant}
    point.update(trial.params)
    return {k: point[k] for k in spec.parameters}


def _distribution(optuna: Any, param: ParameterSpec) -> Any:
    dist = optuna.distributions
    if param.choices is not None:
        return dist.CategoricalDistribution(param.choices)
    lo, hi = param.min, param.max
    match param.distribution:
        case "uniform":
            return dist.FloatDistribution(lo, hi)
        case "log_uniform":
            return dist.FloatDistribution(lo, hi, log=True)
        case "int_uniform":
            return dist.IntDistribution(int(lo or 0), int(hi or 0))
        case "normal":
            assert param.mu is not None and param.sigma is not None
            return dist.FloatDistribution(param.mu - 3 * param.sigma, param.mu + 3 * param.sigma)
    raise AssertionError(f"unknown distribution {param.distribution}")
