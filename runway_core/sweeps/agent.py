"""``runway agent``: claim a sweep's trials one after another and run each as a local command.

Each trial's parameters reach the command as ``--key value`` arguments and as environment
variables (``RUNWAY_PARAM_<KEY>``, and all of them as JSON in ``RUNWAY_SWEEP_PARAMS``); the
command's ``runway.init()`` attaches to the trial's run through ``RUNWAY_RUN_ID`` and records
the run's end itself at exit (so a trial whose agent died still ends, and is never run again).
The agent heart-beats while the command runs, records how it ended (by exit code, over what the
command recorded), and before claiming the next trial gives up the attempts whose worker went
silent: the trial is retried on a new run, the dead attempt's run is kept, ``killed``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from runway_core.errors import Conflict, RunwayError, StoreUnavailable
from runway_core.schemas import RunStatus, RunUpdate, now_ms
from runway_core.schemas.sweep import SweepPublic, TrialPublic
from runway_core.store.protocol import Store
from runway_core.sweeps.early_stop import STOP_TAG, STOPPED_TAG
from runway_core.tracking.context import run_env

SWEEP_ID_VAR = "RUNWAY_SWEEP_ID"
SWEEP_PARAMS_VAR = "RUNWAY_SWEEP_PARAMS"
PARAM_VAR_PREFIX = "RUNWAY_PARAM_"


@dataclass
class AgentTiming:
    """Seconds: between heart-beats; without one before a trial is re-queued; between claims
    when there is nothing to run yet; a stop request's grace before the command is ended."""

    heartbeat: float = 10.0
    stale_after: float = 60.0
    poll: float = 2.0
    stop_grace: float = 30.0


@dataclass
class TrialOutcome:
    trial: TrialPublic
    status: RunStatus
    exit_code: int
    stop_reason: str | None = None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def param_args(params: dict[str, Any]) -> list[str]:
    """``{"lr": 0.1, "opt": "adam", "bn": True}`` → ``--lr 0.1 --opt adam --bn true``."""
    args: list[str] = []
    for key, value in params.items():
        args += [f"--{key}", _text(value)]
    return args


def param_env(params: dict[str, Any]) -> dict[str, str]:
    env = {SWEEP_PARAMS_VAR: json.dumps(params)}
    for key, value in params.items():
        env[PARAM_VAR_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", key).upper()] = _text(value)
    return env


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@dataclass
class Agent:
    store: Store
    tracking_uri: str
    sweep_id: str
    command: Sequence[str]
    count: int | None = None
    timing: AgentTiming = field(default_factory=AgentTiming)
    worker: str = field(default_factory=worker_name)
    on_event: Callable[[str], None] = lambda _line: None

    def run(self) -> list[TrialOutcome]:
        """Run trials until the sweep is done or stopped, or ``count`` trials ran."""
        sweep = self.store.get_sweep(self.sweep_id)
        names = (
            self.store.get_project(sweep.project_id).name,
            self.store.get_experiment(sweep.experiment_id).name,
        )
        outcomes: list[TrialOutcome] = []
        while self.count is None or len(outcomes) < self.count:
            trial = self._claim()
            if trial is None:
                sweep = self.store.get_sweep(self.sweep_id)
                if sweep.state in ("finished", "stopped"):
                    self.on_event(f"sweep {sweep.name} is {sweep.state}")
                    break
                time.sleep(self.timing.poll)
                continue
            outcomes.append(self.run_trial(trial, *names))
        return outcomes

    def _claim(self) -> TrialPublic | None:
        requeued = self.store.requeue_stale_trials(self.sweep_id, timeout=self.timing.stale_after)
        if requeued:
            self.on_event(f"re-queued {len(requeued)} trial(s) whose worker went silent")
        return self.store.claim_next_trial(self.sweep_id, self.worker)

    def run_trial(self, trial: TrialPublic, project: str, experiment: str) -> TrialOutcome:
        argv = [*self.command, *param_args(trial.params)]
        env = {
            **os.environ,
            **run_env(
                trial.run_id, self.tracking_uri, project, experiment, trial.name, records_end=True
            ),
            **param_env(trial.params),
            SWEEP_ID_VAR: self.sweep_id,
            "PYTHONUNBUFFERED": "1",
        }
        self.on_event(f"trial {trial.number} (run {trial.run_id}): {' '.join(argv)}")
        try:
            process = subprocess.Popen(argv, env=env)
        except OSError as exc:
            self._end(trial, RunStatus.failed)
            raise RunwayError(f"cannot start {argv[0]}: {exc.strerror or exc}") from exc
        try:
            code, reason, lost, ended_here = self._watch(process, trial)
        except BaseException:
            _end_process(process)
            self._end(trial, RunStatus.killed)
            raise
        if lost:  # given up (its run ended killed) or claimed by another worker
            return TrialOutcome(trial, RunStatus.killed, code, reason)
        # Killed when it stopped because it was asked to: ended here after the grace, or it
        # saw run.should_stop and ended (the SDK tags it). A trial flagged as it finished its
        # last step finished.
        stopped_early, reason = self._stop_state(trial.run_id, reason)
        if stopped_early or (reason is not None and ended_here):
            status = RunStatus.killed
        elif code == 0:
            status = RunStatus.finished
        else:
            # Died by a signal, or exited as a shell reports one (128 + SIGINT / SIGTERM).
            killed = code < 0 or code in (128 + signal.SIGINT, 128 + signal.SIGTERM)
            status = RunStatus.killed if killed else RunStatus.failed
        self._end(trial, status)
        line = f"trial {trial.number} {status.value}"
        stopped = status == RunStatus.killed and reason is not None
        self.on_event(line + (f": {reason}" if stopped else f" (exit code {code})"))
        return TrialOutcome(trial, status, code, reason)

    def _watch(
        self, process: subprocess.Popen[bytes], trial: TrialPublic
    ) -> tuple[int, str | None, bool, bool]:
        """Heart-beat until the command ends: (exit code, stop reason, lost to another worker,
        ended here after a stop request's grace)."""
        reason: str | None = None
        asked_at = 0.0
        while True:
            try:
                return process.wait(timeout=self.timing.heartbeat), reason, False, False
            except subprocess.TimeoutExpired:
                pass
            try:
                beat = self.store.heartbeat_trial(trial.run_id, self.worker)
            except Conflict:
                self.on_event(
                    f"trial {trial.number} is no longer this agent's (given up after its "
                    "heart-beats stopped reaching the store); ending it here"
                )
                return _end_process(process), reason, True, True
            except StoreUnavailable:
                continue  # keep running; the next heart-beat may get through
            if beat.stop_reason is not None and reason is None:
                reason, asked_at = beat.stop_reason, time.monotonic()
                self.on_event(f"trial {trial.number} asked to stop: {reason}")
            if reason is not None and time.monotonic() - asked_at > self.timing.stop_grace:
                return _end_process(process), reason, False, True

    def _stop_state(self, run_id: str, seen: str | None) -> tuple[bool, str | None]:
        """Whether the trial ended early on a stop request, and the request's reason."""
        try:
            tags = self.store.get_run(run_id).tags
        except RunwayError:
            return False, seen
        return STOPPED_TAG in tags, seen or tags.get(STOP_TAG)

    def _end(self, trial: TrialPublic, status: RunStatus) -> None:
        self.store.update_run(trial.run_id, RunUpdate(status=status, end_time=now_ms()))


def _end_process(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait()


def sweep_command(sweep: SweepPublic, given: Sequence[str]) -> list[str]:
    """The command after ``--``, else the spec's ``command``."""
    if given:
        return list(given)
    spec_command = sweep.spec.get("command")
    if spec_command:
        return list(spec_command)
    from runway_core.errors import InvalidInput

    raise InvalidInput(
        f"sweep {sweep.name} has no command: give one after --, e.g. "
        f"runway agent {sweep.id} -- python train.py",
        field="command",
    )
