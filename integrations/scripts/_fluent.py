"""``runway.init()`` and the module-level calls that act on the active run."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runway._modes import DisabledRun, resolve_mode
from runway._run import Run, check_params, check_tags, live_runs
from runway_core.config import DEFAULT_BACKEND_URI, normalize_db_uri
from runway_core.errors import InvalidInput, RunwayError
from runway_core.schemas import RunCreate, RunSource, new_id
from runway_core.store import Store, open_store
from runway_core.tracking.context import EXPERIMENT_VAR, PROJECT_VAR, ParentRun, parent_run
from runway_core.tracking.names import run_name
from runway_core.tracking.repro import Capture, ReproInfo, capture_repro
from runway_core.tracking.spool import Spool
from runway_core.tracking.writer import RunWriter
from runway_core.validation import check_name

logger = logging.getLogger("runway")

_lock = threading.Lock()
_active: Run | None = None
# Runs started by init() and not finished, oldest first: when the newest finishes, the one
# before it becomes active again (init() inside an open run starts a second, nested run).
_stack: list[Run] = []
# One store per tracking URI per process: opening SqlStore checks migrations, so a loop of
# init() calls should not pay for it each time.
_stores: dict[str, Store] = {}
# Stores inherited through a fork: never used nor closed in the child (closing would end
# the parent's connections), only kept from the garbage collector.
_inherited: list[Store] = []
# Seconds an HTTP request of the SDK may wait (connecting: at most 5); RUNWAY_HTTP_TIMEOUT.
DEFAULT_HTTP_TIMEOUT = 15.0


def init(
    project: str | None = None,
    experiment: str | None = None,
    name: str | None = None,
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
    tracking_uri: str | None = None,
    *,
    description: str = "",
    capture: Capture = True,
    mode: str | None = None,
) -> Run:
    """Start a run in ``project`` / ``experiment`` (both created when missing) and make it the
    active run. ``name`` defaults to a generated one (``brisk-heron-42``). ``params`` may nest
    (``{"opt": {"lr": 0.01}}`` → ``opt.lr``). ``tracking_uri``: ``None`` → ``RUNWAY_TRACKING_URI``
    or ``./runway.db``. ``capture`` turns reproduction info off (``False``) or in part
    (``{"packages": False}``). ``mode``: ``online``, ``offline`` or ``disabled`` (default
    ``RUNWAY_MODE``). Under ``runway run``, attaches to the wrapper's run instead."""
    global _active
    mode = resolve_mode(mode)
    project = check_name(project or os.environ.get(PROJECT_VAR) or "default", "project")
    experiment = check_name(experiment or os.environ.get(EXPERIMENT_VAR) or "default", "experiment")
    if mode == "disabled":
        run: Run = DisabledRun(
            name=name, project=project, experiment=experiment, on_finish=_forget_active
        )
    else:
        flat = check_params(params)
        tag_map = check_tags(tags)
        name = check_name(name, "name") if name is not None else None
        parent = parent_run()
        if parent is not None:
            run = _attach(parent, project, experiment, flat, tag_map, tracking_uri, mode)
        else:
            repro = capture_repro(capture)
            run = start_run(
                project, experiment, name, flat, tag_map, tracking_uri, mode, repro, description
            )
    with _lock:
        _active = run
        _stack.append(run)
    return run


def active_run() -> Run | None:
    """The run started last by ``init()`` in this process, until it finishes."""
    return _active


def log(metrics: Mapping[str, Any], step: int | None = None) -> None:
    """``active_run().log(...)``; raises when no run was started."""
    _require_active("log").log(metrics, step)


def log_params(params: Mapping[str, Any], *, overwrite: bool = False) -> None:
    _require_active("log_params").log_params(params, overwrite=overwrite)


def set_tags(tags: Mapping[str, Any]) -> None:
    _require_active("set_tags").set_tags(tags)


def finish(status: str = "finished") -> None:
    """Finish the active run (a no-op when there is none)."""
    run = _active
    if run is not None:
        run.finish(status)


def resolve_tracking_uri(uri: str | None = None) -> str:
    """The URI a run writes to: ``http(s)://`` as given; a database as an absolute SQLAlchemy
    URL (so that ``runway sync`` run from another folder finds the same file)."""
    uri = uri or os.environ.get("RUNWAY_TRACKING_URI") or DEFAULT_BACKEND_URI
    if uri.startswith(("http://", "https://")):
        return uri.rstrip("/")
    uri = normalize_db_uri(uri)
    prefix = "sqlite:///"
    if uri.startswith(prefix) and uri != prefix and not uri[len(prefix) :].startswith("/"):
        return prefix + str(Path(uri[len(prefix) :]).expanduser().resolve())
    return uri


def _require_active(call: str) -> Run:
    run = _active
    if run is None:
        raise RunwayError(f"runway.{call}() needs a run: call runway.init(...) first")
    return run


def _forget_active(run: Run) -> None:
    global _active
    with _lock:
        _stack[:] = [r for r in _stack if r is not run and not r.finished]
        _active = _stack[-1] if _stack else None


def http_timeout() -> Any:
    import httpx

    value = os.environ.get("RUNWAY_HTTP_TIMEOUT", "")
    try:
        seconds = float(value) if value else DEFAULT_HTTP_TIMEOUT
    except ValueError:
        raise InvalidInput(
            f"RUNWAY_HTTP_TIMEOUT must be a number of seconds, not {value!r}",
            field="RUNWAY_HTTP_TIMEOUT",
        ) from None
    return httpx.Timeout(seconds, connect=min(seconds, 5.0))


def _open(uri: str) -> Store:
    if uri.startswith(("http://", "https://")):
        import httpx

        # The SDK's own client: shorter timeouts than a reader's, so that a stuck server
        # delays a training script by seconds, not minutes (it is cached for the process).
        return open_store(uri, client=httpx.Client(timeout=http_timeout()))
    return open_store(uri)


def _after_fork_in_child() -> None:
    """A forked child logs to the same runs with its own buffer, thread and connections."""
    global _lock
    _lock = threading.Lock()
    _inherited.extend(_stores.values())
    _stores.clear()
    runs = live_runs()
    for run in runs:
        writer = run._writer
        uri = writer.uri if writer is not None else ""
        run._after_fork(lambda uri=uri: _store(uri))
    mp_util = sys.modules.get("multiprocessing.util")
    if runs and mp_util is not None:
        # multiprocessing ends its children with os._exit (no atexit): close the runs in one
        # of its own exit finalizers, registered once it has cleared the parent's.
        mp_util.register_after_fork(_FORK_TOKEN, _register_mp_finalizer)


class _Token:
    pass


_FORK_TOKEN = _Token()


def _register_mp_finalizer(_token: object) -> None:
    from multiprocessing.util import Finalize

    Finalize(None, _finish_in_child, exitpriority=100)


def _finish_in_child() -> None:
    for run in live_runs():
        run.finish()  # the child does not own the status: this only sends its points


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _store(uri: str) -> Store | None:
    """The shared store for ``uri``, or ``None`` (spool only) when it cannot be opened now."""
    with _lock:
        store = _stores.get(uri)
        if store is None:
            try:
                store = _stores[uri] = _open(uri)
            except InvalidInput:
                raise  # a configuration mistake, shown at init()
            except Exception as exc:  # never fail the user's script: spool and warn once
                logger.warning(
                    "runway: cannot open the tracking store %s (%s); writing to the "
                    "spool, upload it later with `runway sync`",
                    uri,
                    exc,
                )
                return None
        return store


def start_run(
    project: str,
    experiment: str,
    name: str | None,
    params: dict[str, Any],
    tags: dict[str, str],
    uri: str | None,
    mode: str,
    repro: ReproInfo,
    description: str = "",
) -> Run:
    """Create a run (validated inputs, captured repro info) and its writer; used by ``init()``
    and by ``runway run``."""
    uri = resolve_tracking_uri(uri)
    store = None if mode == "offline" else _store(uri)
    run_id = new_id()
    name = name or run_name()
    writer = RunWriter(run_id, uri=uri, store=store, spool=Spool())
    create = RunCreate(
        id=run_id,
        experiment_id="",  # filled in once the experiment is found or created
        name=name,
        source=RunSource.script,
        params=params,
        tags=tags,
        description=description,
        **repro.run_fields(),
    )
    try:
        writer.create_run(project, experiment, create)
    except BaseException:
        writer.close()
        raise
    run = Run(
        run_id=run_id,
        name=name,
        project=project,
        experiment=experiment,
        writer=writer,
        params=params,
        on_finish=_forget_active,
    )
    log_repro_artifacts(writer, repro)
    return run


def _attach(
    parent: ParentRun,
    project: str,
    experiment: str,
    params: dict[str, Any],
    tags: dict[str, str],
    uri: str | None,
    mode: str,
) -> Run:
    uri = resolve_tracking_uri(parent.tracking_uri or uri)
    store = None if mode == "offline" else _store(uri)
    name = None
    if store is not None:
        try:
            name = store.get_run(parent.run_id).name
        except Exception:  # unreachable now: the spool keeps the writes; the name is cosmetic
            name = None
    writer = RunWriter(parent.run_id, uri=uri, store=store, spool=Spool())
    run = Run(
        run_id=parent.run_id,
        name=name,
        project=parent.project or project,
        experiment=parent.experiment or experiment,
        writer=writer,
        owns_status=False,
        on_finish=_forget_active,
    )
    if params:
        run.log_params(params)
    if tags:
        run.set_tags(tags)
    return run


def log_repro_artifacts(writer: RunWriter, repro: ReproInfo) -> None:
    """Upload the script's source, the uncommitted diff and the package list; a failure here
    is a warning, never an error in the user's script."""
    try:
        if repro.source_path is not None:
            writer.log_artifact(f"repro/{repro.source_path.name}", repro.source_path)
        texts = repro.text_artifacts()
        if texts:
            with tempfile.TemporaryDirectory(prefix="runway-repro-") as tmp:
                for path, text in texts.items():
                    file = Path(tmp) / path.replace("/", "_")
                    file.write_text(text, encoding="utf-8")
                    writer.log_artifact(path, file)
    except Exception as exc:
        logger.warning("runway: could not store reproduction artifacts: %s", exc)
