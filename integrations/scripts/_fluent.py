"""``runway.init()`` and the module-level calls that act on the current run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runway_core.errors import UsageError
from runway_core.tracking import announce, current_run, start_run
from runway_core.tracking.context import parent_run, take_run_end
from runway_core.tracking.repro import CaptureParts
from runway_core.tracking.session import RunSession


def init(
    project: str | None = None,
    experiment: str | None = None,
    name: str | None = None,
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
    tracking_uri: str | None = None,
    *,
    description: str = "",
    capture: CaptureParts = True,
    mode: str | None = None,
) -> RunSession:
    """Start a run in ``project`` / ``experiment`` (both created when missing) and make it the
    current run; one line on stderr says where it is recorded (``RUNWAY_SILENT=true``: none).
    ``name`` defaults to a generated one (``brisk-heron-42``). ``params`` may nest
    (``{"opt": {"lr": 0.01}}`` → ``opt.lr``). ``tracking_uri``: ``None`` → ``RUNWAY_TRACKING_URI``
    or ``./runway.db``. ``capture`` turns reproduction info off (``False``) or in part
    (``{"packages": False}``). ``mode``: ``online``, ``offline`` or ``disabled`` (default
    ``RUNWAY_MODE``). Under ``runway run``, attaches to the wrapper's run instead (and under
    ``runway agent``, to the trial's run, ending it with this process's status at exit)."""
    parent = parent_run()
    if parent is not None and mode != "disabled":
        if parent.records_end:
            take_run_end()
        return start_run(
            parent.project or project,
            parent.experiment or experiment,
            name=parent.name,
            params=params,
            tags=tags,
            tracking_uri=parent.tracking_uri or tracking_uri,
            mode=mode,
            run_id=parent.run_id,
            # The wrapper records how the command ended; a sweep trial records it too, so
            # it ends even when its agent died first.
            owns_status=parent.records_end,
            capture=False,  # and what it ran
        )
    run = start_run(
        project,
        experiment,
        name=name,
        params=params,
        tags=tags,
        tracking_uri=tracking_uri,
        description=description,
        capture=capture,
        mode=mode,
    )
    announce(run)
    return run


def active_run() -> RunSession | None:
    """The current run: the one this thread (or task) started last and that is still open, or
    else the one this process started last."""
    return current_run()


def log(metrics: Mapping[str, Any], step: int | None = None) -> None:
    """``active_run().log(...)``; raises when no run was started."""
    _require_active("log").log(metrics, step)


def log_params(params: Mapping[str, Any], *, overwrite: bool = False) -> None:
    _require_active("log_params").log_params(params, overwrite=overwrite)


def set_tags(tags: Mapping[str, Any]) -> None:
    _require_active("set_tags").set_tags(tags)


def finish(status: str = "finished") -> None:
    """Finish the current run (a no-op when there is none)."""
    run = current_run()
    if run is not None:
        run.finish(status)


def _require_active(call: str) -> RunSession:
    run = current_run()
    if run is None:
        raise UsageError(f"runway.{call}() needs a run: call runway.init(...) first")
    return run
