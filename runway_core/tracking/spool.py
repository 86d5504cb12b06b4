"""Append-only spool files: writes that could not reach the store wait here until uploaded.

One file per run (``<run_id>.jsonl``) under ``RUNWAY_SPOOL_DIR`` or ``~/.runway/spool/``; one
JSON line per write with its op, target tracking URI, run id and (for metrics) batch id.
Replaying a file is idempotent — metric batches are deduplicated by id, params and tags are
upserts, a run that already exists is kept — so a crash half-way through a replay loses nothing.
A file is locked (``flock``) while it is appended to or replayed; replay rewrites the file with
what is left, and writers re-open it when the inode changed under them.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; one writer per run is still safe
    fcntl = None  # type: ignore[assignment]

SPOOL_VERSION = 1


def default_spool_dir() -> Path:
    env = os.environ.get("RUNWAY_SPOOL_DIR")
    return Path(env).expanduser() if env else Path.home() / ".runway" / "spool"


def make_record(op: str, uri: str, run_id: str, data: dict[str, Any], **extra: Any) -> dict:
    return {"v": SPOOL_VERSION, "op": op, "uri": uri, "run_id": run_id, **extra, "data": data}


@contextlib.contextmanager
def _locked(path: Path, mode: str) -> Iterator[IO[str] | None]:
    """Open ``path`` locked; ``None`` when reading a file that does not exist (any more)."""
    while True:
        try:
            f = path.open(mode, encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):
            if "r" not in mode:
                raise
            yield None
            return
        if fcntl is not None:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            same = os.stat(path).st_ino == os.fstat(f.fileno()).st_ino
        except FileNotFoundError:
            same = False
        if same:
            try:
                yield f
            finally:
                f.close()
            return
        f.close()  # replaced or removed by a replay while we waited: open the new one


class Spool:
    """The spool folder: per-run files of JSON lines, plus copies of artifacts to upload."""

    def __init__(self, directory: str | Path | None = None):
        self.directory = Path(directory) if directory else default_spool_dir()

    def path_for(self, run_id: str) -> Path:
        return self.directory / f"{run_id}.jsonl"

    def has(self, run_id: str) -> bool:
        try:
            return self.path_for(run_id).stat().st_size > 0
        except OSError:  # missing, or the spool folder cannot exist (checked when writing)
            return False

    def files(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob("*.jsonl"), key=lambda p: p.stat().st_mtime)

    def append(self, records: list[dict[str, Any]]) -> Path:
        """Append records of one run durably (flushed and fsynced before returning)."""
        run_id = records[0]["run_id"]
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path_for(run_id)
        lines = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records)
        with _locked(path, "a") as f:
            assert f is not None  # mode "a" creates the file
            f.write(lines)
            f.flush()
            os.fsync(f.fileno())
        return path

    def keep_file(self, source: Path) -> str:
        """Copy an artifact into the spool (the user may change it before it is uploaded)."""
        blobs = self.directory / "blobs"
        blobs.mkdir(parents=True, exist_ok=True)
        name = uuid.uuid4().hex
        shutil.copyfile(source, blobs / name)
        return name

    def blob(self, name: str) -> Path:
        return self.directory / "blobs" / name

    def count(self) -> int:
        total = 0
        for path in self.files():
            with path.open("rb") as f:
                total += sum(1 for _ in f)
        return total

    def replay(
        self,
        path: Path,
        apply: Callable[[dict[str, Any]], None],
        *,
        on_record: Callable[[dict[str, Any]], None] | None = None,
    ) -> ReplayResult:
        """Apply each record in order; stop at the first transient error and keep the rest.

        ``apply`` raises ``Transient`` when the store cannot be reached (the record stays) and
        ``Rejected`` when the store refuses the record for good (it moves to ``rejected/``).
        """
        result = ReplayResult()
        with _locked(path, "r+") as f:
            if f is None:
                return result
            lines = [line for line in f.read().splitlines() if line.strip()]
            done = 0
            for line in lines:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:  # a torn last line after a crash: keep it aside
                    self._reject(path, line, "unreadable line")
                    done += 1
                    continue
                try:
                    apply(record)
                except Transient as exc:
                    result.error = str(exc)
                    break
                except Rejected as exc:
                    self._reject(path, line, str(exc))
                    result.rejected += 1
                else:
                    result.applied += 1
                done += 1
                if on_record:
                    on_record(record)
            rest = lines[done:]
            if rest:
                tmp = path.with_suffix(".tmp")
                tmp.write_text("".join(line + "\n" for line in rest), encoding="utf-8")
                os.replace(tmp, path)
            else:
                path.unlink()
            result.remaining = len(rest)
        return result

    def _reject(self, path: Path, line: str, reason: str) -> None:
        rejected = self.directory / "rejected"
        rejected.mkdir(parents=True, exist_ok=True)
        entry = json.dumps({"reason": reason, "line": line})
        with (rejected / path.name).open("a", encoding="utf-8") as f:
            f.write(entry + "\n")


@dataclass
class ReplayResult:
    applied: int = 0
    rejected: int = 0
    remaining: int = 0
    error: str | None = None


class Transient(Exception):
    """The store could not take a record now; try again later."""


class Rejected(Exception):
    """The store refused a record for good (bad input); retrying cannot help."""


@dataclass
class SyncResult:
    files: int = 0
    applied: int = 0
    rejected: int = 0
    remaining: int = 0
    errors: list[str] = field(default_factory=list)
