"""Sweeps on the wire: a parameter search that creates and tracks runs, and its trials."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from runway_core.schemas._common import Schema
from runway_core.schemas._rules import Name
from runway_core.schemas.run import RunStatus

# The run tags where a trial's stop reason is recorded (by the store, when it is asked to stop)
# and that it did stop early (by the SDK, when the run ends after ``run.should_stop``).
STOP_TAG = "sweep.stop_reason"
STOPPED_TAG = "sweep.stopped_early"
# A trial retried after its worker went silent runs on a new run: each attempt's run is tagged
# with its attempt number, and a dead attempt with the run that retried it.
ATTEMPT_TAG = "sweep.attempt"
RETRIED_TAG = "sweep.retried_as"
MAX_TIMEOUT = 1e9  # seconds (30 years): the longest heart-beat timeout
SweepState = Literal["running", "paused", "stopped", "finished"]
SweepControl = Literal["running", "paused", "stopped"]


class SweepBase(Schema):
    name: str = Field(max_length=250)
    method: str = Field(default="random", max_length=16)  # grid | random | bayes
    space: dict[str, Any] = Field(default_factory=dict)
    metric: str = Field(max_length=250)
    goal: str = Field(default="max", max_length=8)
    budget: int | None = None
    status: str = Field(default="running", max_length=16)


class SweepCreate(Schema):
    """Register a sweep in an experiment. ``spec`` is a sweep spec (see
    ``runway_core.sweeps.spec``); a bad one is a 400 naming the key (``spec.parameters.lr``)."""

    experiment_id: str = Field(max_length=32)
    spec: dict[str, Any]
    name: Name | None = None


class SweepStatusSet(Schema):
    status: SweepControl


class TrialPublic(Schema):
    """One trial: its current attempt's run (``run_id``) and the sweep's view of it. ``value``
    is the last value of the sweep's metric that run logged; ``attempts`` counts the claims;
    ``previous_runs`` are the runs of earlier attempts whose worker went silent (oldest first,
    each ended ``killed``)."""

    run_id: str
    sweep_id: str
    number: int
    name: str | None = None
    status: RunStatus
    params: dict[str, Any] = Field(default_factory=dict)
    value: float | None = None
    worker: str | None = None
    claimed_at: int | None = None
    heartbeat_at: int | None = None
    attempts: int = 0
    stop_reason: str | None = None
    launched: str | None = None
    previous_runs: list[str] = Field(default_factory=list)


class SweepPublic(SweepBase):
    id: str
    experiment_id: str
    project_id: str
    created_at: int
    updated_at: int = 0
    spec: dict[str, Any] = Field(default_factory=dict)
    seed: int = 0
    state: SweepState = "running"  # ``status``, or finished once every trial has ended
    max_trials: int = 0
    counts: dict[str, int] = Field(default_factory=dict)  # trials by run status
    best: TrialPublic | None = None


class TrialsPublic(Schema):
    data: list[TrialPublic]
    count: int


class SweepsPublic(Schema):
    data: list[SweepPublic]
    count: int


class TrialHeartbeat(Schema):
    worker: Name


class TrialClaimRequest(Schema):
    worker: Name


class TrialStop(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class TrialsRequeued(Schema):
    data: list[str]
    count: int


class TrialLaunched(Schema):
    launched: str = Field(min_length=1, max_length=2000)
