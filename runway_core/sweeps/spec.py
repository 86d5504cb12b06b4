"""The sweep spec: what a user writes in ``spec.yaml`` (or JSON), validated with pydantic.

Errors are one ``InvalidInput`` naming the offending key (``parameters.lr.min``) and what was
expected. The spec is pure data: suggestion, claiming and early stopping read it elsewhere.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from runway_core.errors import InvalidInput

Method = Literal["grid", "random", "bayes"]
Distribution = Literal["uniform", "log_uniform", "int_uniform", "normal", "categorical"]
_GOALS = {"minimize": "min", "min": "min", "maximize": "max", "max": "max"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MetricSpec(_Strict):
    name: str = Field(min_length=1, max_length=250)
    goal: Literal["min", "max"]

    @field_validator("goal", mode="before")
    @classmethod
    def _goal_words(cls, value: Any) -> Any:
        if isinstance(value, str) and value.lower() in _GOALS:
            return _GOALS[value.lower()]
        raise ValueError(f"must be minimize or maximize, not {value!r}")


class ParameterSpec(_Strict):
    """One of: ``values`` (a list to choose from), ``value`` (a constant), or ``distribution``
    with its bounds (``min``/``max``; ``mu``/``sigma`` for ``normal``)."""

    values: list[Any] | None = Field(default=None, min_length=1)
    value: Any = None
    distribution: Distribution | None = None
    min: float | None = None
    max: float | None = None
    mu: float | None = None
    sigma: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_kind(self) -> ParameterSpec:
        kinds = [k for k in ("values", "value", "distribution") if k in self.model_fields_set]
        if self.distribution == "categorical" and "values" in kinds:
            kinds.remove("values")  # ``{distribution: categorical, values: [...]}`` is one kind
        if len(kinds) != 1:
            raise ValueError("give exactly one of values, value or distribution")
        dist = self.distribution
        if dist == "categorical" and self.values is None:
            raise ValueError("distribution categorical needs values: [...]")
        if dist in ("uniform", "log_uniform", "int_uniform"):
            if self.min is None or self.max is None:
                raise ValueError(f"distribution {dist} needs min and max")
            if not self.min < self.max:
                raise ValueError(f"min ({self.min}) must be below max ({self.max})")
            if dist == "log_uniform" and self.min <= 0:
                raise ValueError("distribution log_uniform needs min > 0")
            if dist == "int_uniform" and not (self.min.is_integer() and self.max.is_integer()):
                raise ValueError("distribution int_uniform needs whole-number min and max")
        if dist == "normal" and (self.mu is None or self.sigma is None):
            raise ValueError("distribution normal needs mu and sigma")
        return self

    @property
    def is_constant(self) -> bool:
        return "value" in self.model_fields_set

    @property
    def choices(self) -> list[Any] | None:
        """The values to enumerate (``values``, categorical, a constant), else ``None``."""
        if self.is_constant:
            return [self.value]
        return self.values


# Grid and random trials are registered when the sweep is: a bound on what one request creates.
MAX_TRIALS = 10_000


class BudgetSpec(_Strict):
    max_trials: int | None = Field(default=None, ge=1, le=MAX_TRIALS)
    max_parallel: int | None = Field(default=None, ge=1)


class EarlyStopSpec(_Strict):
    """Median stopping: a trial whose best value so far is worse than the median of finished
    trials at the same step is stopped (after ``min_steps`` steps, once ``min_trials`` trials
    have finished). ``metric``: the intermediate metric (default: the sweep's metric)."""

    type: Literal["median"] = "median"
    metric: str | None = None
    min_steps: int = Field(default=1, ge=0)
    min_trials: int = Field(default=3, ge=1)


class LauncherSpec(BaseModel):
    """``type``: ``local`` (``runway agent``), ``prefect``, ``airflow``, or an import path
    ``package.module:Class``; other keys are passed to the launcher's constructor."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(min_length=1)

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class SweepSpec(_Strict):
    name: str | None = Field(default=None, max_length=250)
    method: Method
    metric: MetricSpec
    parameters: dict[str, ParameterSpec] = Field(min_length=1)
    budget: BudgetSpec = Field(default_factory=BudgetSpec)
    early_stop: EarlyStopSpec | None = None
    command: list[str] | None = None
    launcher: LauncherSpec | None = None
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)

    @field_validator("command", mode="before")
    @classmethod
    def _command_words(cls, value: Any) -> Any:
        return value.split() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _method_fits(self) -> SweepSpec:
        if self.method == "grid":
            for key, param in self.parameters.items():
                if param.choices is None:
                    raise _KeyError(
                        f"parameters.{key}",
                        "method grid needs values: [...] or a constant value, "
                        f"not distribution {param.distribution}",
                    )
            if self.budget.max_trials is None and self.grid_size > MAX_TRIALS:
                raise _KeyError(
                    "budget.max_trials",
                    f"the grid has {self.grid_size} points, more than {MAX_TRIALS}: "
                    "set budget.max_trials to run the first ones",
                )
        elif self.budget.max_trials is None:
            raise _KeyError("budget.max_trials", f"method {self.method} needs budget.max_trials")
        if self.command is not None and self.launcher is not None:
            raise _KeyError("launcher", "give command or launcher, not both")
        return self

    @property
    def grid_size(self) -> int:
        return math.prod(len(p.choices or ()) for p in self.parameters.values())

    @property
    def max_trials(self) -> int:
        """The trial budget: ``budget.max_trials``, for grid at most the grid's size."""
        if self.method == "grid":
            limit = self.budget.max_trials
            return min(self.grid_size, limit) if limit is not None else self.grid_size
        assert self.budget.max_trials is not None  # checked by _method_fits
        return self.budget.max_trials


class _KeyError(ValueError):
    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key
        self.message = message


def parse_spec(data: Any) -> SweepSpec:
    """A ``SweepSpec`` from parsed YAML/JSON; ``InvalidInput`` naming the key otherwise."""
    if not isinstance(data, dict):
        raise InvalidInput(
            f"a sweep spec is a mapping of keys (method, metric, parameters…), not "
            f"{type(data).__name__}",
            field="spec",
        )
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        cause = (first.get("ctx") or {}).get("error")
        if isinstance(cause, _KeyError):
            raise InvalidInput(f"spec: {cause.key}: {cause.message}", field=cause.key) from None
        key = ".".join(str(p) for p in first["loc"]) or "spec"
        message = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown key"
        raise InvalidInput(f"spec: {key}: {message}", field=key) from None


def load_spec(path: str | Path) -> SweepSpec:
    """Read a YAML or JSON spec file (JSON is YAML too; ``.json`` files are read as JSON)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        message = f"cannot read the sweep spec {path}: {exc.strerror}"
        raise InvalidInput(message, field="spec") from None
    return parse_spec(parse_text(text, json_only=path.suffix.lower() == ".json", where=str(path)))


def parse_text(text: str, *, json_only: bool = False, where: str = "spec") -> Any:
    if json_only:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{where}: not JSON: {exc}", field="spec") from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{where}: not YAML: {str(exc).splitlines()[0]}", field="spec") from None
