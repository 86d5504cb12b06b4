"""Where a sender's writes go when the store does not take them: the spool (with a copy of each
file still to upload) while it cannot be reached, ``rejected/`` when it refused them for good.
Each kind of trouble is one warning, never an exception into the user's script."""

from __future__ import annotations

import logging
from pathlib import Path

from runway_core.schemas.writes import UploadWrite, Write
from runway_core.tracking.spool import Spool, SpoolLine

log = logging.getLogger("runway")


class Fallback:
    def __init__(self, uri: str, spool: Spool):
        self.uri = uri
        self.spool = spool
        self.lost = 0  # writes that could neither be sent nor spooled (unwritable spool)
        self.spool_broken = False
        self.credentials_warned = False
        self._refused_runs: set[str] = set()

    def append(self, run_id: str, writes: list[Write]) -> None:
        """Append a run's writes to its spool file, in order (one fsync)."""
        try:
            self.spool.append(self.uri, [self._copied(w) for w in writes])
        except OSError as error:  # a full disk or unwritable folder must not stop the script
            self.lost += len(writes)
            self.spool_failed(error)

    def _copied(self, write: Write) -> Write:
        """The user may overwrite a checkpoint before it is uploaded: keep a copy, unless it is
        over the size cap (then it is uploaded from where it is, later)."""
        if not isinstance(write, UploadWrite) or write.blob:
            return write
        file = Path(write.file)
        try:
            size = file.stat().st_size
            if size > _max_copy_bytes():
                log.warning(
                    "runway: %s (%.0f MB) is over the spool's copy limit "
                    "(RUNWAY_SPOOL_MAX_COPY_MB) and is not copied into the spool; it will be "
                    "uploaded from where it is, so keep it unchanged until the upload "
                    "(or `runway sync`)",
                    file,
                    size / 2**20,
                )
                return write
            return write.model_copy(update={"blob": self.spool.keep_file(file)})
        except OSError as error:
            self.spool_failed(error)
            return write

    def set_aside(self, write: Write, reason: str) -> None:
        """A write the store refused: kept in ``rejected/<run_id>.jsonl`` with the reason."""
        line = SpoolLine(uri=self.uri, write=write).dumps()
        try:
            path = self.spool.reject(write.run_id, line, reason)
        except OSError as error:
            self.spool_failed(error)
            return
        if write.run_id not in self._refused_runs:
            self._refused_runs.add(write.run_id)
            log.warning(
                "runway: the tracking store refused a %s write of run %s (%s); it is kept in %s "
                "and the run's other writes go on",
                write.op,
                write.run_id,
                reason,
                path,
            )

    def refused_on_replay(self, run_id: str, path: Path) -> None:
        if run_id not in self._refused_runs:
            self._refused_runs.add(run_id)
            log.warning(
                "runway: the tracking store refused spooled writes of run %s; they are kept "
                "in %s and the run's other writes go on",
                run_id,
                path,
            )

    def credentials_refused(self, reason: str) -> None:
        """The server refused the token (revoked mid-run) or the project role (401/403): the
        writes are spooled, not set aside, so that `runway sync` with a token or role that
        works delivers them. One warning for the whole store."""
        if not self.credentials_warned:
            self.credentials_warned = True
            log.warning(
                "runway: the Runway server at %s refused this process's writes (%s); they are "
                "kept in %s: fix RUNWAY_TOKEN (or ask for the project role) and run `runway sync`",
                self.uri,
                reason,
                self.spool.directory,
            )

    def spool_failed(self, error: OSError) -> None:
        if not self.spool_broken:
            self.spool_broken = True
            log.warning(
                "runway: cannot write the spool at %s (%s); writes that the tracking store did "
                "not take are lost (set RUNWAY_SPOOL_DIR to a writable folder)",
                self.spool.directory,
                error,
            )


def _max_copy_bytes() -> int:
    from runway_core.config import settings

    try:
        return int(settings().spool_max_copy_mb * 1024 * 1024)
    except Exception:  # a value changed after init() to something invalid: the default
        return 1024 * 1024 * 1024
