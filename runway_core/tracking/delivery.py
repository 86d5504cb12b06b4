"""Delivering typed writes to a store, in order, as few requests as possible.

Consecutive writes the store applies itself go in one ``apply_writes`` call (one request to a
server); a file to upload goes alone, after asking the store whether it already holds the same
content (``attach_artifact_content``). Each write gets an ``Outcome``: ``ok``, ``refused`` (the
store said no; retrying cannot help) or ``unavailable`` (not delivered now: it and every write
after it are kept, in order, for a retry).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from runway_core.errors import NotFound, RunwayError, error_from_dict
from runway_core.schemas.writes import ContentWrite, ServerWrite, UploadWrite, Write, WriteResult
from runway_core.store.protocol import Store

OutcomeKind = Literal["ok", "refused", "unavailable"]


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    reason: str = ""
    result: Any = None
    # The store's own exception: for a refusal, to raise where a caller waits for the write;
    # for ``unavailable``, to tell a refused token (401/403) from an outage.
    error: RunwayError | None = None
    # A sweep trial asked to stop: why (the store says so on the trial's metric writes).
    stop: str | None = None


def is_transient(exc: BaseException) -> bool:
    """Server down, 5xx, database locked, network errors: worth retrying. 4xx: not, except a
    missing or bad API token (401), a role the caller lacks (403) and a rate limit (429): kept
    until a token or role that works (then ``runway sync``) or the wait is over, rather than set
    aside. (S3 refusing the server's own storage credential is a 403 too: set aside as before.)"""
    if isinstance(exc, RunwayError):
        if exc.status == 403:
            return exc.field != "credential"
        return exc.status >= 500 or exc.status in (401, 429)
    if isinstance(exc, (OSError, TimeoutError)):
        return True
    # Looked up, not imported: an HTTP-only client has no SQLAlchemy.
    httpx = sys.modules.get("httpx")
    if httpx is not None and isinstance(exc, httpx.TransportError):
        return True
    sa_exc = sys.modules.get("sqlalchemy.exc")
    return sa_exc is not None and isinstance(exc, sa_exc.DBAPIError)


def _failure(exc: BaseException) -> Outcome:
    reason = f"{type(exc).__name__}: {exc}"
    error = exc if isinstance(exc, RunwayError) else None
    return Outcome("unavailable" if is_transient(exc) else "refused", reason, error=error)


def _from_result(result: WriteResult) -> Outcome:
    if result.ok:
        return Outcome("ok", result=result.artifact, stop=result.stop)
    body = result.error.model_dump() if result.error else {"message": f"HTTP {result.status}"}
    error = error_from_dict(body, result.status)
    kind: OutcomeKind = "unavailable" if result.status >= 500 else "refused"
    return Outcome(kind, f"{type(error).__name__}: {error}", error=error)


class Delivery:
    """Delivers writes to one store; remembers the content hashes the store is known to hold,
    so later runs index them in the same request instead of asking first."""

    def __init__(self, store: Store, blob: Callable[[str], Path] | None = None):
        self.store = store
        self.blob = blob
        self.known_content: set[str] = set()

    def deliver(self, writes: Sequence[Write]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        i = 0
        while i < len(writes):
            group: list[ServerWrite] = []
            while i + len(group) < len(writes):
                write = writes[i + len(group)]
                if isinstance(write, UploadWrite):
                    if write.sha256 is None or write.sha256 not in self.known_content:
                        break
                    write = ContentWrite(
                        run_id=write.run_id, path=write.path, sha256=write.sha256, kind=write.kind
                    )
                group.append(write)
            if group:
                done = self._send(group, writes[i : i + len(group)])
            else:
                done = [self._upload(writes[i])]  # type: ignore[arg-type]
            outcomes += done
            i += len(done)
            if done and done[-1].kind == "unavailable":
                break
        # Not attempted after a failure: kept, in order, with the one that failed.
        reason = outcomes[-1].reason if outcomes else ""
        outcomes += [Outcome("unavailable", reason)] * (len(writes) - len(outcomes))
        return outcomes

    def _send(self, group: list[ServerWrite], originals: Sequence[Write]) -> list[Outcome]:
        try:
            results = self.store.apply_writes(group)
        except Exception as exc:
            failure = _failure(exc)
            if failure.kind == "unavailable" or len(group) == 1:
                return [failure] * len(group)
            # The request as a whole was refused (one bad record, or too large): find which
            # writes the store refuses by sending them one at a time.
            outcomes: list[Outcome] = []
            for write, original in zip(group, originals, strict=True):
                outcomes += self._send([write], [original])
                if outcomes[-1].kind == "unavailable":
                    break
            return outcomes
        outcomes = []
        for result, original in zip(results, originals, strict=True):
            outcome = _from_result(result)
            error = outcome.error
            if (
                isinstance(original, UploadWrite)
                and isinstance(error, NotFound)
                and (error.field == "sha256")
            ):
                outcome = self._upload(original)  # known elsewhere, not in this project
            outcomes.append(outcome)
            if outcome.kind == "unavailable":
                break
        return outcomes

    def _upload(self, write: UploadWrite) -> Outcome:
        blob = self.blob(write.blob) if write.blob and self.blob is not None else None
        if write.blob and (blob is None or not blob.exists()):
            # The spool's copy is removed once uploaded: an earlier replay stored it.
            return Outcome("ok")
        try:
            if write.sha256 is not None and write.sha256 not in self.known_content:
                try:
                    result = self.store.attach_artifact_content(
                        write.run_id, write.path, write.sha256, kind=write.kind
                    )
                    self.known_content.add(write.sha256)
                    return self._uploaded(result, blob)
                except NotFound as exc:
                    if exc.field != "sha256":
                        raise
            with (blob or Path(write.file)).open("rb") as stream:
                result = self.store.log_artifact(write.run_id, write.path, stream, kind=write.kind)
        except FileNotFoundError:
            return Outcome("refused", f"artifact {write.path}: {write.file} no longer exists")
        except Exception as exc:
            return _failure(exc)
        if result.sha256:
            self.known_content.add(result.sha256)
        return self._uploaded(result, blob)

    @staticmethod
    def _uploaded(result: Any, blob: Path | None) -> Outcome:
        if blob is not None:
            blob.unlink(missing_ok=True)
        return Outcome("ok", result=result)
