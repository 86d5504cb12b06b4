"""Starting and attaching runs, and which run is "the current one".

The current run lives in a ``ContextVar``: each thread and each asyncio task sees the runs it
started. A context that started none (a worker thread of a plain script, a task hook) asks the
registered resolvers (an integration finding "the run of this flow run"), and then falls back to
the run this process started last that is still open. A finished run stops being current, so
after a nested run finishes the outer one is current again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from pydantic import ValidationError

from runway_core.config import resolve_tracking_uri, settings
from runway_core.errors import InvalidInput, StoreUnavailable
from runway_core.schemas import RunSource, new_id, now_ms
from runway_core.schemas.writes import (
    CreateRunWrite,
    HeartbeatWrite,
    ParamsWrite,
    RunStart,
    TagsWrite,
    UploadWrite,
    Write,
)
from runway_core.tracking import exit as exit_hooks
from runway_core.tracking import repro, stores
from runway_core.tracking.inputs import check_params, check_tags, utf8_text, utf8_value
from runway_core.tracking.names import run_name
from runway_core.tracking.sender import Deferred, Item, Sender
from runway_core.tracking.session import DisabledRun, RunSession
from runway_core.tracking.writer import RunWriter
from runway_core.validation import check_json_document, check_name

log = logging.getLogger("runway")

MODES = ("online", "offline", "disabled")
RunResolver = Callable[[], RunSession | None]
# Run ids derived from external keys: uuid5 in this namespace.
_KEY_NAMESPACE = uuid.UUID("6f3d2a1e-8c1b-5d7a-9e0f-2b4c6d8e0a13")
_RUN_ID_RE = re.compile(r"^[0-9a-f]{32}$")

_context: ContextVar[tuple[RunSession, ...]] = ContextVar("runway_runs", default=())
_resolvers: list[RunResolver] = []
_lock = threading.Lock()
_process_runs: list[RunSession] = []  # started in this process and still open, oldest first


def external_run_id(key: str) -> str:
    """The run id an external key (``prefect:flow-run:<uuid>``, ``airflow:<dag>:<run>``) maps
    to: the same in every process, so attaching twice finds one run."""
    return uuid.uuid5(_KEY_NAMESPACE, key).hex


def start_run(
    project: str | None = None,
    experiment: str | None = None,
    *,
    name: str | None = None,
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
    source: RunSource | str = RunSource.script,
    source_ids: Mapping[str, Any] | None = None,
    parent_run_id: str | None = None,
    sweep_id: str | None = None,
    capture: repro.Capture | repro.CaptureParts = True,
    description: str = "",
    start_time: int | None = None,
    tracking_uri: str | None = None,
    mode: str | None = None,
    run_id: str | None = None,
    external_key: str | None = None,
    owns_status: bool = True,
) -> RunSession:
    """Start a run in ``project`` / ``experiment`` (default ``RUNWAY_PROJECT`` /
    ``RUNWAY_EXPERIMENT``, else ``default``; created when missing) and make it the current run.

    Returns at once: the run is created by the store's background sender, with the process's
    reproduction info (``capture``) when it is ready. With ``run_id`` or ``external_key`` the
    run is attached to if it exists (get-or-create; ``params`` and ``tags`` are then added).
    ``owns_status=False``: ``finish()`` sends the last writes but not the status (another
    process ends the run). ``mode``: ``online``, ``offline`` (spool only) or ``disabled``.
    Bad input raises ``InvalidInput`` here; an unreachable store never does (spool).
    """
    cfg = settings()  # an invalid RUNWAY_* variable is refused here, naming it
    mode = _mode(mode if mode is not None else cfg.mode)
    project = check_name(utf8_text(project or cfg.project or "default"), "project")
    experiment = check_name(utf8_text(experiment or cfg.experiment or "default"), "experiment")
    name = check_name(utf8_text(name), "name") if name is not None else None
    if mode == "disabled":
        disabled = DisabledRun(name=name, project=project, experiment=experiment, on_finish=_forget)
        _activate(disabled)
        return disabled
    flat, tag_map = check_params(params), check_tags(tags)
    ids = utf8_value(dict(source_ids or {}))
    if external_key is not None:
        key = utf8_text(str(external_key))
        run_id = external_run_id(key)
        ids.setdefault("external_key", key)
    attach = run_id is not None
    run_id = run_id or new_id()
    if not _RUN_ID_RE.match(run_id):
        raise InvalidInput(
            f"run_id must be 32 lowercase hex characters, got {run_id!r}", field="run_id"
        )
    spec = capture if isinstance(capture, repro.Capture) else repro.Capture(parts=capture)
    parts = repro.capture_parts(spec.parts)
    try:
        start = RunStart(
            id=run_id,
            project=project,
            experiment=experiment,
            name=name or run_name(),
            source=source,
            source_ids=check_json_document(ids, "source_ids"),
            parent_run_id=parent_run_id,
            sweep_id=sweep_id,
            description=utf8_text(description) if isinstance(description, str) else description,
            start_time=start_time if start_time is not None else now_ms(),
            params={} if attach else flat,
            tags={} if attach else tag_map,
        )
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"{field}: {first['msg']}", field=field) from None
    uri = resolve_tracking_uri(tracking_uri)
    writer = RunWriter(run_id, _sender(uri, project, offline=mode == "offline"), beats=owns_status)
    items: list[Item] = [_creation(start, spec, parts)]
    if owns_status:  # the server watches this run from now on (see HeartbeatWrite)
        items.append(HeartbeatWrite(run_id=run_id))
    if attach and flat:
        items.append(ParamsWrite(run_id=run_id, params=flat))
    if attach and tag_map:
        items.append(TagsWrite(run_id=run_id, tags=tag_map))
    writer.submit(items)
    run = RunSession(
        run_id=run_id,
        name=start.name,
        project=project,
        experiment=experiment,
        writer=writer,
        params=flat,
        owns_status=owns_status,
        on_finish=_forget,
    )
    _activate(run)
    return run


def attach_run(
    key: str, project: str | None = None, experiment: str | None = None, **kwargs: Any
) -> RunSession:
    """Get-or-create the run of an external key (a Prefect flow-run id, an Airflow
    ``dag_id`` + ``run_id``, a sweep trial): every process and retry attaching with the same key
    gets the same run. The key is recorded in ``source_ids["external_key"]``."""
    return start_run(project, experiment, external_key=key, **kwargs)


def _mode(mode: str) -> str:
    value = mode.strip().lower() if isinstance(mode, str) else mode
    if value not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}, not {mode!r}", field="mode")
    return value


def _sender(uri: str, project: str, *, offline: bool) -> Sender:
    conn = stores.connection(uri, offline=offline)
    if not offline:
        with contextlib.suppress(StoreUnavailable):  # its runs spool until it is back
            stores.first_contact(conn)
            stores.check_project(conn, project)  # a token or role refused: raised here
    return conn.sender


def _creation(start: RunStart, spec: repro.Capture, parts: frozenset[str]) -> Item:
    """The run's creation, with the reproduction info of this process once it is captured."""
    if not parts:
        return CreateRunWrite(run_id=start.id, run=start)
    command = repro.command_line(spec, parts)
    future = repro.capture_async(spec, parts)

    def build(timeout: float | None) -> list[Write]:
        try:
            info = future.result(timeout)
        except Exception:  # not ready in time (at exit) or failed: the run goes without it
            info = repro.ReproInfo()
        run = start.model_copy(update=info.run_fields(command))
        writes: list[Write] = [CreateRunWrite(run_id=start.id, run=run)]
        for f in info.files:
            writes.append(_upload(start.id, f))
        return writes

    return Deferred(start.id, build)


def _upload(run_id: str, f: repro.ReproFile) -> Write:
    return UploadWrite(run_id=run_id, path=f.path, file=str(f.file), sha256=f.sha256)


def announce(run: RunSession) -> None:
    """One line on stderr: ``runway: run brisk-heron-42 → http://host:5000 (project digits /
    svm)``, with a link to the run's page when ``RUNWAY_UI_URL`` names the dashboard. Nothing
    when ``RUNWAY_SILENT`` is true or the run records nothing (disabled)."""
    cfg = settings()
    uri = run.tracking_uri
    if cfg.silent or uri is None:
        return
    line = (
        f"runway: run {run.name} → {stores.where(uri)} (project {run.project} / {run.experiment})"
    )
    if run.offline:
        line += " offline: upload it with `runway sync`"
    elif cfg.ui_url:
        line += f" {cfg.ui_url.rstrip('/')}/run?run={run.id}"
    print(line, file=sys.stderr, flush=True)


# --- the current run ---------------------------------------------------------------------------


def current_run() -> RunSession | None:
    """The run this thread or task started last and that is still open; else the one a
    registered resolver finds; else the run this process started last that is still open."""
    for run in reversed(_context.get()):
        if not run.finished:
            return run
    for resolver in list(_resolvers):
        try:
            found = resolver()
        except Exception:  # an integration's bug must not break runway.log()
            log.exception("runway: a run resolver failed")
            continue
        if found is not None and not found.finished:
            return found
    for run in reversed(_process_runs):
        if not run.finished:
            return run
    return None


@contextlib.contextmanager
def using(run: RunSession) -> Iterator[RunSession]:
    """Make ``run`` the current run of this thread or task inside the block."""
    token = _context.set((*_context.get(), run))
    try:
        yield run
    finally:
        _context.reset(token)


def register_run_resolver(resolver: RunResolver) -> RunResolver:
    """``resolver()`` returns the run of the code calling it (e.g. the run of the Prefect flow
    run or Airflow task it runs in) or ``None``; asked when the caller's context started none."""
    with _lock:
        if resolver not in _resolvers:
            _resolvers.append(resolver)
    return resolver


def unregister_run_resolver(resolver: RunResolver) -> None:
    with _lock:
        if resolver in _resolvers:
            _resolvers.remove(resolver)


def _activate(run: RunSession) -> None:
    _context.set((*[r for r in _context.get() if not r.finished], run))
    with _lock:
        _process_runs.append(run)


def _forget(run: RunSession) -> None:
    with _lock:
        _process_runs[:] = [r for r in _process_runs if r is not run and not r.finished]


# --- processes: forks and exit -----------------------------------------------------------------


def live_runs() -> list[RunSession]:
    with _lock:
        return [run for run in _process_runs if not run.finished]


def _after_fork_in_child() -> None:
    """A forked child logs to the same runs with its own buffer, thread and connections."""
    global _lock
    _lock = threading.Lock()
    stores.after_fork_in_child()
    repro.after_fork_in_child()
    runs = [run for run in _process_runs if not run.finished]
    for run in runs:
        if run.tracking_uri is not None:
            run.continue_in_child(stores.reopen_in_child(run.tracking_uri, offline=run.offline))
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

    Finalize(None, exit_hooks.finish_all, args=("finished",), exitpriority=100)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
