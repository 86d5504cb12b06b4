"""Handing trials to a launcher (Prefect, Airflow…): claim each trial, launch it, record where."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from runway_core.errors import RunwayError
from runway_core.schemas import RunStatus, RunUpdate, now_ms
from runway_core.schemas.sweep import TrialPublic
from runway_core.store.protocol import Store
from runway_core.sweeps.launchers import TrialLauncher


@dataclass(frozen=True)
class Launched:
    trial: TrialPublic
    external: str


def launch_trials(
    store: Store,
    sweep_id: str,
    launcher: TrialLauncher,
    *,
    count: int | None = None,
    worker: str = "launcher",
    on_launch: Callable[[Launched], None] = lambda _l: None,
) -> list[Launched]:
    """Claim up to ``count`` trials (all there are to run now by default) and launch each.

    A trial the launcher fails to start ends ``failed`` (its reason in the error raised), and
    no further trial is launched.
    """
    done: list[Launched] = []
    while count is None or len(done) < count:
        trial = store.claim_next_trial(sweep_id, worker)
        if trial is None:
            break
        try:
            external = str(launcher.launch(trial.run_id, dict(trial.params)))
        except Exception as exc:
            store.update_run(trial.run_id, RunUpdate(status=RunStatus.failed, end_time=now_ms()))
            raise RunwayError(
                f"launching trial {trial.number} (run {trial.run_id}) failed: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        trial = store.mark_trial_launched(trial.run_id, external)
        launched = Launched(trial, external)
        on_launch(launched)
        done.append(launched)
    return done
