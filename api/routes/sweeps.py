"""Sweeps: register one, watch its progress and best trial, pause / resume / stop it; workers
claim trials, heart-beat them and learn when to stop. Each route asks ``api.access`` first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from runway_core.schemas import RunStatus
from runway_core.schemas.sweep import (
    MAX_TIMEOUT,
    SweepCreate,
    SweepPublic,
    SweepsPublic,
    SweepStatusSet,
    TrialClaimRequest,
    TrialHeartbeat,
    TrialLaunched,
    TrialPublic,
    TrialsPublic,
    TrialsRequeued,
    TrialStop,
)

from ..access import Role, as_caller, require_project
from ..deps import StoreDep

router = APIRouter(tags=["sweeps"])
ONE = "/sweeps/{sweep_id}"


def _sweep(request: Request, store: StoreDep, sweep_id: str, role: Role) -> SweepPublic:
    sweep = store.get_sweep(sweep_id)
    require_project(request, sweep.project_id, role)
    return sweep


def _trial_project(request: Request, store: StoreDep, run_id: str) -> None:
    require_project(request, store.get_run(run_id).project_id, "write")


@router.post("/sweeps", status_code=status.HTTP_201_CREATED, response_model=SweepPublic)
def create_sweep(request: Request, body: SweepCreate, store: StoreDep) -> SweepPublic:
    """Register a sweep; grid and random trials are queued at once (bayes ones as claimed).
    A bad spec is a 400 whose ``field`` names the key (``spec.parameters.lr.min``)."""
    require_project(request, store.get_experiment(body.experiment_id).project_id, "write")
    return store.create_sweep(body)


@router.get("/sweeps", response_model=SweepsPublic)
def list_sweeps(
    request: Request,
    store: StoreDep,
    project_id: str | None = None,
    experiment_id: str | None = None,
) -> SweepsPublic:
    """The sweeps of the projects the caller may read (selected in the database); a
    ``project_id`` or ``experiment_id`` it may not read is a 404."""
    if project_id is not None:
        require_project(request, project_id, "read")
    with as_caller(request):
        sweeps = store.list_sweeps(project_id=project_id, experiment_id=experiment_id)
    return SweepsPublic(data=sweeps, count=len(sweeps))


@router.get(ONE, response_model=SweepPublic)
def get_sweep(request: Request, sweep_id: str, store: StoreDep) -> SweepPublic:
    """Progress (``counts`` of trials by status, ``state``) and the best finished trial."""
    return _sweep(request, store, sweep_id, "read")


@router.get(ONE + "/best", response_model=TrialPublic | None)
def best_trial(request: Request, sweep_id: str, store: StoreDep) -> TrialPublic | None:
    """The best finished trial so far by the sweep's metric and goal (null before one)."""
    return _sweep(request, store, sweep_id, "read").best


@router.put(ONE + "/status", response_model=SweepPublic)
def set_sweep_status(
    request: Request, sweep_id: str, body: SweepStatusSet, store: StoreDep
) -> SweepPublic:
    """``paused``, ``running`` (resume) or ``stopped`` (for good; queued trials end killed)."""
    _sweep(request, store, sweep_id, "write")
    return store.set_sweep_status(sweep_id, body.status)


@router.get(ONE + "/trials", response_model=TrialsPublic)
def list_trials(
    request: Request,
    sweep_id: str,
    store: StoreDep,
    status: Annotated[RunStatus | None, Query(description="only trials in this state")] = None,
) -> TrialsPublic:
    _sweep(request, store, sweep_id, "read")
    trials = store.list_trials(sweep_id, status=status.value if status is not None else None)
    return TrialsPublic(data=trials, count=len(trials))


@router.post(
    ONE + "/claim",
    response_model=TrialPublic,
    responses={204: {"description": "no trial to run now"}},
)
def claim_next_trial(
    request: Request, sweep_id: str, body: TrialClaimRequest, store: StoreDep
) -> TrialPublic | Response:
    """Claim the next trial atomically (no trial goes to two workers); 204 when there is none
    to run now (paused, stopped, done, or ``max_parallel`` running)."""
    _sweep(request, store, sweep_id, "write")
    trial = store.claim_next_trial(sweep_id, body.worker)
    return trial if trial is not None else Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(ONE + "/requeue", response_model=TrialsRequeued)
def requeue_stale_trials(
    request: Request,
    sweep_id: str,
    store: StoreDep,
    timeout: Annotated[float, Query(gt=0, le=MAX_TIMEOUT, description="seconds without a beat")],
) -> TrialsRequeued:
    """Give up the attempts silent for ``timeout`` seconds (their runs end ``killed``, kept) and
    queue their trials again on new runs; answers the given-up runs' ids."""
    _sweep(request, store, sweep_id, "write")
    ids = store.requeue_stale_trials(sweep_id, timeout=timeout)
    return TrialsRequeued(data=ids, count=len(ids))


@router.post("/trials/{run_id}/heartbeat", response_model=TrialPublic)
def heartbeat_trial(
    request: Request, run_id: str, body: TrialHeartbeat, store: StoreDep
) -> TrialPublic:
    """The worker still runs the trial; ``stop_reason`` in the answer asks it to stop. 409 when
    the trial is no longer this worker's, or the run is a given-up attempt."""
    _trial_project(request, store, run_id)
    return store.heartbeat_trial(run_id, body.worker)


@router.post("/trials/{run_id}/stop", response_model=TrialPublic)
def stop_trial(request: Request, run_id: str, body: TrialStop, store: StoreDep) -> TrialPublic:
    _trial_project(request, store, run_id)
    return store.stop_trial(run_id, body.reason)


@router.post("/trials/{run_id}/launched", response_model=TrialPublic)
def mark_trial_launched(
    request: Request, run_id: str, body: TrialLaunched, store: StoreDep
) -> TrialPublic:
    _trial_project(request, store, run_id)
    return store.mark_trial_launched(run_id, body.launched)
