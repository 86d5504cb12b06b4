"""``runway.Run``: one tracked run — metrics, params, tags, artifacts, and how it ends."""

from __future__ import annotations

import shutil
import tempfile
import threading
import weakref
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any

from runway_core.artifacts.paths import iter_folder
from runway_core.errors import InvalidInput, RunwayError
from runway_core.schemas import ArtifactPublic, RunStatus, RunUpdate
from runway_core.tracking import exit as exit_hooks
from runway_core.tracking.flusher import FLUSH_POINTS
from runway_core.tracking.writer import RunWriter
from runway_core.validation import check_key, check_tag_value, flatten_params

# log_params / set_tags take at most this many keys per call (after flattening).
MAX_PARAMS_PER_CALL = 1000
# Runs with a writer in this process, for the fork handler of ``runway._fluent``.
_live_runs: weakref.WeakSet[Run] = weakref.WeakSet()


def live_runs() -> list[Run]:
    return [run for run in list(_live_runs) if not run.finished]


class Run:
    """A run being tracked. Create it with ``runway.init()``; use it as a context manager to
    have an exception mark it failed. All writes return quickly: metrics are sent in the
    background and, when the store is unreachable, kept in the local spool."""

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
        on_finish: Any = None,
    ):
        self.id = run_id
        self.name = name
        self.project = project
        self.experiment = experiment
        self._writer = writer
        self._params: dict[str, Any] = dict(params or {})
        # False when attached to a run owned by ``runway run``: the wrapper sets the status.
        self._owns_status = owns_status
        self._on_finish = on_finish
        self._finish_lock = threading.Lock()
        self._at_exit = False
        self.status: str = RunStatus.running.value
        if writer is not None:
            self._bind_buffer(writer)
            exit_hooks.on_exit(id(self), self._finish_at_exit)
            _live_runs.add(self)

    def __repr__(self) -> str:
        return f"<Run {self.name!r} id={self.id} {self.project}/{self.experiment} {self.status}>"

    @property
    def finished(self) -> bool:
        return self.status != RunStatus.running.value

    # -- metrics, params, tags ----------------------------------------------------------------

    def log(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        """Log numbers by key. Without ``step``, each key's step is its previous step + 1
        (starting at 0). NaN is stored as a gap; ±inf as NaN. Raises ``InvalidInput`` here,
        at the call, for a bad key or a non-numeric value (and then logs nothing of the call)."""
        if self.status != "running":
            raise RunwayError(f"run {self.name!r} is {self.status}; start a new one to log more")
        self._add(metrics, step)
        if self._buffer.pending >= FLUSH_POINTS:
            self._wake()

    def log_params(self, params: Mapping[str, Any], *, overwrite: bool = False) -> None:
        """Record params; nested dicts become dotted keys (``{"opt": {"lr": 0.1}}`` →
        ``opt.lr``). Changing a value already recorded raises ``Conflict`` unless ``overwrite``."""
        flat = self._check_params(params)
        if not overwrite:
            for key, value in flat.items():
                if key in self._params and self._params[key] != value:
                    from runway_core.errors import Conflict

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

    # -- artifacts ----------------------------------------------------------------------------

    def log_artifact(self, path: str | Path, name: str | None = None) -> ArtifactPublic | None:
        """Store a file under ``name`` (default: its file name). Returns the record, or ``None``
        when the store is unreachable (a copy waits in the spool)."""
        file = Path(path)
        if not file.is_file():
            raise InvalidInput(f"log_artifact: {str(file)!r} is not a file", field="path")
        return self._live_writer().log_artifact(artifact_path(name or file.name), file)

    def log_artifacts(self, folder: str | Path, prefix: str | None = None) -> int:
        """Store every file under ``folder``, keeping relative paths (below ``prefix``, default
        the folder's name). Returns the number of files."""
        root = Path(folder)
        if not root.is_dir():
            raise InvalidInput(f"log_artifacts: {str(root)!r} is not a folder", field="folder")
        base = PurePosixPath(artifact_path(prefix if prefix is not None else root.name or "files"))
        # iter_folder checks the whole walk first: a symlink leaving the folder uploads nothing.
        files = list(iter_folder(root, str(base)))
        for path, file in files:
            self.log_artifact(file, path)
        return len(files)

    def log_archive(
        self, folder: str | Path, name: str | None = None, *, format: str = "zip"
    ) -> ArtifactPublic | None:
        """Pack ``folder`` into one archive (``zip`` or ``gztar``) stored whole and browsable."""
        root = Path(folder)
        if not root.is_dir():
            raise InvalidInput(f"log_archive: {str(root)!r} is not a folder", field="folder")
        suffix = {"zip": ".zip", "gztar": ".tar.gz"}.get(format)
        if suffix is None:
            raise InvalidInput("log_archive: format must be 'zip' or 'gztar'", field="format")
        target = artifact_path(name or f"{root.resolve().name}{suffix}")
        with tempfile.TemporaryDirectory(prefix="runway-archive-") as tmp:
            archive = shutil.make_archive(str(Path(tmp) / "archive"), format, root_dir=root)
            return self._live_writer().log_artifact(target, Path(archive), kind="archive")

    def link_artifact(self, uri: str, name: str | None = None) -> ArtifactPublic | None:
        """Record an artifact that stays where it is (``s3://…``, ``https://…``); no upload."""
        if not isinstance(uri, str) or "://" not in uri:
            raise InvalidInput(f"link_artifact: {uri!r} is not a URI (scheme://…)", field="uri")
        default = uri.rstrip("/").rsplit("/", 1)[-1] or "link"
        return self._live_writer().link_artifact(artifact_path(name or default), uri)

    def download_artifacts(self, path: str = "", dest: str | Path = ".") -> Path:
        """Copy this run's stored artifacts at or under ``path`` (all when empty) into ``dest``,
        keeping their paths; returns ``dest``."""
        from runway._client import download_artifacts

        writer = self._live_writer(allow_finished=True)
        if writer.store is None:
            raise RunwayError("download_artifacts needs a tracking store (the run is offline)")
        writer.flush()
        return download_artifacts(writer.store, self.id, dest, path)

    # -- lifecycle ----------------------------------------------------------------------------

    def flush(self) -> None:
        """Send everything logged so far (or spool it) before returning."""
        if self._writer is not None and not self._writer.closed:
            self._writer.flush()

    def finish(self, status: str = "finished") -> None:
        """End the run: send what is buffered, then record the status and end time.
        Idempotent; ``status`` is ``finished``, ``failed`` or ``killed``."""
        if status not in ("finished", "failed", "killed"):
            raise InvalidInput(
                f"status must be finished, failed or killed, not {status!r}", field="status"
            )
        with self._finish_lock:
            if self.finished:
                return
            self.status = status
            writer = self._writer
            if writer is None:
                return
            exit_hooks.forget(id(self))
            try:
                if self._owns_status:
                    from runway_core.schemas import now_ms

                    writer.update_run(RunUpdate(status=RunStatus(status), end_time=now_ms()))
                writer.close(at_exit=self._at_exit)
            finally:
                if self._on_finish is not None:
                    self._on_finish(self)

    def __enter__(self) -> Run:
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
        self._at_exit = True
        self.finish(status)

    def _bind_buffer(self, writer: RunWriter) -> None:
        # Bound methods cached for log(), the hot path.
        self._add = writer.buffer.add
        self._buffer = writer.buffer
        self._wake = writer.flusher.wake

    def _after_fork(self, reopen: Any) -> None:
        """In a forked child (multiprocessing, DataLoader workers): keep logging to the same
        run with an empty buffer of its own; the child never ends the parent's run."""
        self._owns_status = False
        self._finish_lock = threading.Lock()
        if self._writer is not None and not self._writer.closed:
            self._writer.after_fork(reopen)
            self._bind_buffer(self._writer)

    def _live_writer(self, *, allow_finished: bool = False) -> RunWriter:
        if self._writer is None:
            raise RunwayError("this run has no writer")
        if self.finished and not allow_finished:
            raise RunwayError(f"run {self.name!r} is {self.status}; start a new one to log more")
        return self._writer

    @staticmethod
    def _check_params(params: Mapping[str, Any]) -> dict[str, Any]:
        return check_params(params)


def check_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise InvalidInput(f"params must be a dict, got {type(params).__name__}", field="params")
    flat = flatten_params(params)
    if len(flat) > MAX_PARAMS_PER_CALL:
        raise InvalidInput(
            f"params: {len(flat)} keys after flattening; the limit is {MAX_PARAMS_PER_CALL}",
            field="params",
        )
    return flat


def check_tags(tags: Mapping[str, Any] | None) -> dict[str, str]:
    if tags is None:
        return {}
    if not isinstance(tags, Mapping):
        raise InvalidInput(f"tags must be a dict, got {type(tags).__name__}", field="tags")
    if len(tags) > MAX_PARAMS_PER_CALL:
        raise InvalidInput(
            f"tags: {len(tags)} keys; the limit is {MAX_PARAMS_PER_CALL}", field="tags"
        )
    return {check_key(k, f"tags.{k}"): check_tag_value(v, f"tags.{k}") for k, v in tags.items()}


def artifact_path(name: str) -> str:
    """A relative POSIX path inside the run's artifacts: no ``..``, no leading ``/``."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("artifact name must be a non-empty string", field="name")
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or len(name) > 1000:
        raise InvalidInput(
            f"artifact name {name!r} must be a relative path without '..' (≤ 1000 chars)",
            field="name",
        )
    return str(path)
