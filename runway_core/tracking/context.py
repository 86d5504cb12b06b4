"""Environment variables that hand a run to child processes (``runway run -- python train.py``).

A script that calls ``runway.init()`` under ``runway run`` attaches to the wrapper's run instead
of creating a second one; the wrapper owns the run's status and end time. A sweep agent hands
its trial's run with ``RUNWAY_RUN_RECORDS_END``: the first process to attach records the run's
end itself (so a trial that outlives its agent still ends), and the agent may record it again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

RUN_ID_VAR = "RUNWAY_RUN_ID"
RUN_NAME_VAR = "RUNWAY_RUN_NAME"
TRACKING_URI_VAR = "RUNWAY_TRACKING_URI"
PROJECT_VAR = "RUNWAY_PROJECT"
EXPERIMENT_VAR = "RUNWAY_EXPERIMENT"
RECORDS_END_VAR = "RUNWAY_RUN_RECORDS_END"


@dataclass(frozen=True)
class ParentRun:
    run_id: str
    name: str | None
    tracking_uri: str | None
    project: str | None
    experiment: str | None
    records_end: bool = False  # this process records how the run ended


def run_env(
    run_id: str,
    tracking_uri: str,
    project: str | None = None,
    experiment: str | None = None,
    name: str | None = None,
    *,
    records_end: bool = False,
) -> dict[str, str]:
    """The variables a child process needs to attach to ``run_id``; with ``records_end`` the
    child ends the run with its own status at exit."""
    env = {RUN_ID_VAR: run_id, TRACKING_URI_VAR: tracking_uri}
    if records_end:
        env[RECORDS_END_VAR] = "true"
    if name:
        env[RUN_NAME_VAR] = name
    if project:
        env[PROJECT_VAR] = project
    if experiment:
        env[EXPERIMENT_VAR] = experiment
    return env


def parent_run() -> ParentRun | None:
    """The run a wrapper (``runway run``) handed to this process, if any."""
    run_id = os.environ.get(RUN_ID_VAR)
    if not run_id:
        return None
    from runway_core.config import settings

    cfg = settings()  # the tracking URI, project and experiment are ordinary settings
    return ParentRun(
        run_id=run_id,
        name=os.environ.get(RUN_NAME_VAR) or None,
        tracking_uri=cfg.tracking_uri or None,
        project=cfg.project or None,
        experiment=cfg.experiment or None,
        records_end=os.environ.get(RECORDS_END_VAR, "").strip().lower() == "true",
    )


def take_run_end() -> None:
    """This process records the handed run's end: processes it starts later (workers) attach
    without ending the run."""
    os.environ.pop(RECORDS_END_VAR, None)
