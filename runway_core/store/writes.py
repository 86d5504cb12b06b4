"""Applying typed write records to a store, in order, each answered on its own.

``SqlStore.apply_writes`` (and so ``POST /api/v1/writes``) runs them here. A write refused for
the state it meets (404, 409) is answered and the next one applied; a store that fails (5xx)
stops the batch there, and that write and every later one are answered 503 so the client keeps
them, in order, for a retry. A write that is not valid input makes the batch itself invalid:
it is refused whole (``invalid_batch``), nothing applied, and a client sends its writes one by
one to learn which.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from runway_core.errors import InvalidInput, RunwayError, StoreUnavailable
from runway_core.schemas.writes import (
    ContentWrite,
    CreateRunWrite,
    HeartbeatWrite,
    LinkWrite,
    MetricsWrite,
    ParamsWrite,
    RunUpdateWrite,
    ServerWrite,
    TagsWrite,
    WriteError,
    WriteResult,
)

if TYPE_CHECKING:
    from runway_core.store.protocol import Store

_NOT_APPLIED = WriteError(
    code=StoreUnavailable.code, message="not applied: an earlier write of the batch failed"
)


def apply_write(store: Store, write: ServerWrite) -> Any:
    """Perform one write; its result is an ``ArtifactPublic`` for artifact writes, else None."""
    match write:
        case CreateRunWrite():
            store.ensure_run(write.run)
        case ParamsWrite():
            store.log_params(write.run_id, write.params, overwrite=write.overwrite)
        case TagsWrite():
            store.set_tags(write.run_id, write.tags)
        case MetricsWrite():
            store.log_metrics(write.run_id, write.batch)
        case RunUpdateWrite():
            store.update_run(write.run_id, write.update)
        case LinkWrite():
            return store.link_artifact(write.run_id, write.path, write.uri)
        case ContentWrite():
            return store.attach_artifact_content(
                write.run_id, write.path, write.sha256, kind=write.kind
            )
        case HeartbeatWrite():
            return None  # a store that watches runs records it for the batch
    return None


def error_of(exc: RunwayError) -> WriteError:
    return WriteError(code=exc.code, message=exc.message, field=exc.field)


def invalid_batch(results: Sequence[WriteResult]) -> InvalidInput | None:
    """The error refusing a batch whose write ``i`` was not valid input (``writes.i.field``)."""
    for i, result in enumerate(results):
        if result.status == InvalidInput.status and result.error is not None:
            field = f"writes.{i}.{result.error.field}" if result.error.field else f"writes.{i}"
            return InvalidInput(f"writes[{i}]: {result.error.message}", field=field)
    return None


def apply_writes(
    store: Store,
    writes: Sequence[ServerWrite],
    *,
    apply: Callable[[ServerWrite], Any] | None = None,
) -> list[WriteResult]:
    """``apply`` performs one write (default ``apply_write``: a store may have a faster way)."""
    results: list[WriteResult] = []
    for write in writes:
        try:
            value = apply(write) if apply is not None else apply_write(store, write)
        except RunwayError as exc:
            results.append(WriteResult(status=exc.status, error=error_of(exc)))
            if exc.status >= 500:
                break
        else:
            results.append(WriteResult(status=200, artifact=value))
    missing = len(writes) - len(results)
    results += [WriteResult(status=503, error=_NOT_APPLIED) for _ in range(missing)]
    return results
