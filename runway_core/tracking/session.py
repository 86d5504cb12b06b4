"""``RunSession``: one run being tracked in this process — metrics, params, tags, artifacts, and
how it ends. The SDK's ``runway.Run`` is this class; every adapter gets one from
``tracking.start_run`` or ``tracking.attach_run``.

Every write returns at once (artifacts wait for their upload): it is queued, in order, on the
store's background sender, and kept in the local spool when the store is unreachable.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from runway_core.errors import Conflict, UsageError
from runway_core.schemas import RunStatus, RunUpdate, now_ms
from runway_core.schemas.sweep import STOPPED_TAG
from runway_core.schemas.writes import RunUpdateWrite
from runway_core.tracking import exit as exit_hooks
from runway_core.tracking.inputs import check_params, check_status, check_tags
from runway_core.tracking.run_files import RunFiles
from runway_core.tracking.sender import FLUSH_POINTS, Sender
from runway_core.tracking.writer import RunWriter


class RunSession(RunFiles):
    """A run being tracked. Use it as a context manager to have an exception mark it failed
    (``killed`` for Ctrl-C). ``finish()`` is idempotent; a run left open is finished at exit."""

    def __init__(
        self,
        *,
        run_id: str,
        name: str | None,
        project: str,
        experiment: str,
        writer: RunWriter | None,
        params: Mapping[str, Any] | None = None,
        owns_status: bool = True,
        on_finish: Callable[[RunSession], None] | None = None,
    ):
        self.id = run_id
        self.name = name
        self.project = project
        self.experiment = experiment
        self._writer = writer
        self._params: dict[str, Any] = dict(params or {})
        # False when attached to a run owned by another process (``runway run``, a forked
        # parent, an orchestrator's hook): that one sets the status.
        self._owns_status = owns_status
        self._on_finish = on_finish
        self._finish_lock = threading.Lock()
        self.status: str = RunStatus.running.value
        if writer is not None:
            self._bind_buffer(writer)
            exit_hooks.on_exit(id(self), self._finish_at_exit)

    def __repr__(self) -> str:
        return f"<Run {self.name!r} id={self.id} {self.project}/{self.experiment} {self.status}>"

    @property
    def finished(self) -> bool:
        return self.status != RunStatus.running.value

    @property
    def should_stop(self) -> bool:
        """True once the store asked this run to stop (a sweep's early stopping, or a user
        stopping the trial); learnt through the answer to a metric write, within a second or
        two of the next ``log()``. End the training loop; the run then ends ``killed``."""
        return self.stop_reason is not None

    @property
    def stop_reason(self) -> str | None:
        """Why the store asked this run to stop, or ``None``."""
        if self._writer is None:
            return None
        return self._writer.sender.stop_reasons.get(self.id)

    @property
    def tracking_uri(self) -> str | None:
        return self._writer.uri if self._writer is not None else None

    @property
    def offline(self) -> bool:
        """True when the run writes only to the local spool (``mode="offline"``)."""
        return self._writer is not None and self._writer.sender.offline

    # -- metrics, params, tags ----------------------------------------------------------------

    def log(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        """Log numbers by key. Without ``step``, each key's step is its previous step + 1
        (starting at 0). NaN is stored as a gap; ±inf as NaN. Raises ``InvalidInput`` here,
        at the call, for a bad key or a non-numeric value (and then logs nothing of the call)."""
        if self.status != "running":
            raise UsageError(f"run {self.name!r} is {self.status}; start a new one to log more")
        self._add(metrics, step)
        if self._buffer.pending >= FLUSH_POINTS:
            self._wake()

    def log_params(self, params: Mapping[str, Any], *, overwrite: bool = False) -> None:
        """Record params; nested dicts become dotted keys (``{"opt": {"lr": 0.1}}`` →
        ``opt.lr``). Changing a value already recorded raises ``Conflict`` unless ``overwrite``
        (one recorded by another process is refused by the store and set aside instead)."""
        flat = check_params(params)
        if not overwrite:
            for key, value in flat.items():
                if key in self._params and self._params[key] != value:
                    raise Conflict(
                        f"params.{key}: already {self._params[key]!r}, not changing it to "
                        f"{value!r}; pass overwrite=True to change it",
                        field=f"params.{key}",
                    )
        self._params.update(flat)
        self._live_writer().log_params(flat, overwrite=overwrite)

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        """Set string tags (values are converted with ``str``); an existing tag is replaced."""
        self._live_writer().set_tags(check_tags(tags))

    @property
    def params(self) -> dict[str, Any]:
        """The params recorded through this object (flattened)."""
        return dict(self._params)

    # -- lifecycle ----------------------------------------------------------------------------

    def mark_running(self) -> None:
        """A queued run this process took up (a sweep trial started by an orchestrator): its
        status becomes ``running`` and, when it has none, its start time is set."""
        update = RunUpdate(status=RunStatus.running)
        self._live_writer().submit([RunUpdateWrite(run_id=self.id, update=update)])

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything logged so far was sent (or spooled); False after ``timeout``."""
        if self._writer is None:
            return True
        return self._writer.flush(timeout)

    def finish(
        self, status: str = "finished", *, end_time: int | None = None, wait: bool = False
    ) -> None:
        """End the run: queue the last metrics, then the status and end time, and return.
        Idempotent; ``status`` is ``finished``, ``failed`` or ``killed``. ``wait=True`` blocks
        until they were sent or spooled (for a process that ends with ``os._exit``)."""
        check_status(status)
        if self.should_stop and not self.finished and self._writer is not None:
            # It ends because it was asked to: say so, for whoever records its status (an
            # agent), and record it as killed when it is this process's to record.
            self._writer.set_tags({STOPPED_TAG: "true"})
            if status == RunStatus.finished.value:
                status = RunStatus.killed.value
        # A second Ctrl-C landing here waits until the closing writes are queued whole.
        with exit_hooks.deferring_interrupts(), self._finish_lock:
            if not self.finished:
                self.status = status
                self._close(status, end_time)
        if wait:
            self.flush()

    def _close(self, status: str, end_time: int | None) -> None:
        writer = self._writer
        try:
            if writer is not None:
                exit_hooks.forget(id(self))
                update = None
                if self._owns_status:
                    update = RunUpdate(status=RunStatus(status), end_time=end_time or now_ms())
                writer.close(update)
        finally:
            if self._on_finish is not None:
                self._on_finish(self)

    def __enter__(self) -> RunSession:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.finish()
        elif issubclass(exc_type, KeyboardInterrupt):
            self.finish("killed")
        else:
            self.finish("failed")

    # -- internals ----------------------------------------------------------------------------

    def _finish_at_exit(self, status: str) -> None:
        self.finish(status)

    def _bind_buffer(self, writer: RunWriter) -> None:
        # Bound methods cached for log(), the hot path.
        self._add = writer.buffer.add
        self._buffer = writer.buffer
        self._wake = writer.sender.wake

    def continue_in_child(self, sender: Sender) -> None:
        """Called in a forked child (multiprocessing, DataLoader workers): keep logging to the
        same run with an empty buffer of its own, on the child's ``sender``; the child never
        ends the parent's run."""
        self._owns_status = False
        self._finish_lock = threading.Lock()
        if self._writer is not None and not self._writer.closed:
            self._writer.rebind(sender)
            self._bind_buffer(self._writer)

    def _live_writer(self, *, allow_finished: bool = False) -> RunWriter:
        if self._writer is None:
            raise UsageError("this run has no writer")
        if self.finished and not allow_finished:
            raise UsageError(f"run {self.name!r} is {self.status}; start a new one to log more")
        return self._writer

    def _store_for_reads(self) -> Any:
        writer = self._live_writer(allow_finished=True)
        store = writer.sender.store
        if store is None:
            raise UsageError("download_artifacts needs a tracking store (the run is offline)")
        writer.flush()
        return store


class DisabledRun(RunSession):
    """``RUNWAY_MODE=disabled``: records nothing, accepts every call so user code runs unchanged."""

    def __init__(self, *, name: str | None, project: str, experiment: str, on_finish: Any = None):
        super().__init__(
            run_id="disabled",
            name=name,
            project=project,
            experiment=experiment,
            writer=None,
            on_finish=on_finish,
        )

    def log(self, metrics: Any, step: int | None = None) -> None:
        return None

    def log_params(self, params: Any, *, overwrite: bool = False) -> None:
        return None

    def mark_running(self) -> None:
        return None

    def set_tags(self, tags: Any) -> None:
        return None

    def log_artifact(self, path: Any, name: str | None = None, *, wait: bool = True) -> None:
        return None

    def log_artifacts(self, folder: Any, prefix: str | None = None) -> int:
        return 0

    def log_archive(self, folder: Any, name: str | None = None, *, format: str = "zip") -> None:
        return None

    def link_artifact(self, uri: str, name: str | None = None) -> None:
        return None

    def download_artifacts(self, path: str = "", dest: str | Path = ".") -> Path:
        return Path(dest)
