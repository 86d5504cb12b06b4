"""Append-only spool files: writes that could not reach the store wait here until uploaded.

One file per run (``<run_id>.jsonl``) under ``RUNWAY_SPOOL_DIR`` or ``~/.runway/spool/``; one
JSON line per typed write: ``{"v": 2, "uri": <target store>, "write": {"op": …, "run_id": …}}``.
Version 1 lines (``{"v": 1, "op", "uri", "run_id", "data"}``) are still read. Replaying a file is
idempotent (metric batches carry an id, run creation is get-or-create, params and tags are
upserts), so a crash half-way through loses nothing. Appends lock the file (``flock``) briefly;
a replay holds a separate lock for its whole length, so appends never wait for the network.
Writes the store refuses for good go to ``rejected/<run_id>.jsonl`` with the reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import BaseModel, ValidationError

from runway_core.schemas import MetricBatch, RunUpdate
from runway_core.schemas.writes import (
    CreateRunWrite,
    LinkWrite,
    MetricsWrite,
    ParamsWrite,
    RunStart,
    RunUpdateWrite,
    TagsWrite,
    UploadWrite,
    Write,
)
from runway_core.tracking.delivery import Outcome
from runway_core.tracking.inputs import utf8_value

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; one writer per run is still safe
    fcntl = None  # type: ignore[assignment]

SPOOL_VERSION = 2


class SpoolLine(BaseModel):
    v: Literal[2] = 2
    uri: str
    write: Write

    def dumps(self) -> str:
        return self.model_dump_json()


def default_spool_dir() -> Path:
    from runway_core.config import settings

    return settings().spool_dir.expanduser()


def _from_v1(record: dict[str, Any]) -> SpoolLine:
    """A line of the first spool format (``op`` + untyped ``data``) as a typed write."""
    op, run_id, data = record["op"], record["run_id"], record["data"]
    write: Write
    if op == "metrics":
        write = MetricsWrite(run_id=run_id, batch=MetricBatch.model_validate(data))
    elif op == "params":
        params, overwrite = data["params"], data.get("overwrite", False)
        write = ParamsWrite(run_id=run_id, params=params, overwrite=overwrite)
    elif op == "tags":
        write = TagsWrite(run_id=run_id, tags=data["tags"])
    elif op == "update_run":
        write = RunUpdateWrite(run_id=run_id, update=RunUpdate.model_validate(data))
    elif op == "create_run":
        run = {k: v for k, v in data["run"].items() if k != "experiment_id"}
        start = RunStart(**run, project=data["project"], experiment=data["experiment"])
        write = CreateRunWrite(run_id=run_id, run=start)
    elif op == "link":
        write = LinkWrite(run_id=run_id, path=data["path"], uri=data["uri"])
    elif op == "artifact":
        write = UploadWrite(
            run_id=run_id,
            path=data["path"],
            file=data["file"],
            kind=data.get("kind", "file"),
            blob=data.get("blob"),
        )
    else:
        raise ValueError(f"unknown spool op {op!r}")
    return SpoolLine(uri=record["uri"], write=write)


def parse_line(text: str) -> SpoolLine:
    """A spool line of either version; text that is not UTF-8 is escaped (an older SDK may have
    spooled it as it was). ``ValueError`` for a line that cannot be read."""
    record = utf8_value(json.loads(text))
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    try:
        if record.get("v") == 1:
            return _from_v1(record)
        return SpoolLine.model_validate(record)
    except (KeyError, TypeError, ValidationError) as exc:
        raise ValueError(f"not a spool record: {exc}") from exc


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


@contextlib.contextmanager
def _replay_lock(path: Path) -> Iterator[None]:
    """One replay of a file at a time, across processes (``_locked`` re-opens a lock file that
    a finished replay removed while we waited for it)."""
    with _locked(path.with_name(path.name + ".lock"), "a"):
        yield


@dataclass
class ReplayResult:
    applied: int = 0
    rejected: int = 0
    remaining: int = 0
    error: str | None = None
    rejected_to: Path | None = None


@dataclass
class SyncResult:
    files: int = 0
    applied: int = 0
    rejected: int = 0
    remaining: int = 0
    errors: list[str] = field(default_factory=list)
    rejected_files: list[Path] = field(default_factory=list)


class Spool:
    """The spool folder: per-run files of JSON lines, plus copies of artifacts to upload."""

    def __init__(self, directory: str | Path | None = None):
        self.directory = Path(directory).expanduser() if directory else default_spool_dir()

    def path_for(self, run_id: str) -> Path:
        return self.directory / f"{run_id}.jsonl"

    def rejected_path(self, run_id: str) -> Path:
        return self.directory / "rejected" / f"{run_id}.jsonl"

    def has(self, run_id: str) -> bool:
        try:
            return self.path_for(run_id).stat().st_size > 0
        except OSError:  # missing, or the spool folder cannot exist (checked when writing)
            return False

    def files(self) -> list[Path]:
        """The run files, oldest first, except that a run's file comes after its parent run's
        (a child run, such as a Prefect task run, often ends, and so is written last, before
        its parent; replayed first, its creation would name a parent not yet stored)."""
        if not self.directory.is_dir():
            return []
        return _parents_first(
            sorted(self.directory.glob("*.jsonl"), key=lambda p: p.stat().st_mtime)
        )

    def append(self, uri: str, writes: Sequence[Write]) -> Path:
        """Append writes of one run durably (flushed and fsynced before returning)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path_for(writes[0].run_id)
        lines = "".join(SpoolLine(uri=uri, write=w).dumps() + "\n" for w in writes)
        with _locked(path, "a") as f:
            assert f is not None  # mode "a" creates the file
            f.write(lines)
            f.flush()
            os.fsync(f.fileno())
        return path

    def read(self, run_id: str) -> list[SpoolLine]:
        """The run's spooled writes (unreadable lines left out), for tools and tests."""
        with _locked(self.path_for(run_id), "r") as f:
            texts = f.read().splitlines() if f is not None else []
        lines = []
        for text in texts:
            with contextlib.suppress(ValueError):
                lines.append(parse_line(text))
        return lines

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

    def reject(self, run_id: str, line: str, reason: str) -> Path:
        """Set a write the store refused aside, with the reason; returns the file."""
        path = self.rejected_path(run_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"reason": reason, "line": line}) + "\n")
        return path

    def replay(
        self, path: Path, deliver: Callable[[list[SpoolLine]], list[Outcome]]
    ) -> ReplayResult:
        """Deliver the file's writes in order; refused ones move to ``rejected/``, the first
        unavailable one and all after it stay (with anything appended meanwhile)."""
        result = ReplayResult()
        run_id = path.stem
        with _replay_lock(path):
            with _locked(path, "r") as f:
                if f is None:
                    return result
                texts = [t for t in f.read().splitlines() if t.strip()]
            readable: list[tuple[str, SpoolLine]] = []
            for text in texts:
                try:
                    readable.append((text, parse_line(text)))
                except ValueError as exc:  # a torn last line after a crash: keep it aside
                    result.rejected_to = self.reject(run_id, text, f"unreadable line: {exc}")
                    result.rejected += 1
            outcomes = deliver([line for _, line in readable]) if readable else []
            kept: list[str] = []
            for (text, _), outcome in zip(readable, outcomes, strict=True):
                if kept or outcome.kind == "unavailable":
                    result.error = result.error or outcome.reason
                    kept.append(text)
                elif outcome.kind == "refused":
                    result.rejected_to = self.reject(run_id, text, outcome.reason)
                    result.rejected += 1
                else:
                    result.applied += 1
            self._drop_prefix(path, len(texts) - len(kept))
            result.remaining = len(kept)
        return result

    def _drop_prefix(self, path: Path, done: int) -> None:
        """Remove the first ``done`` lines, keeping whatever was appended since they were read."""
        with _locked(path, "r+") as f:
            if f is None:
                return
            rest = [t for t in f.read().splitlines() if t.strip()][done:]
            if rest:
                tmp = path.with_suffix(".tmp")
                tmp.write_text("".join(t + "\n" for t in rest), encoding="utf-8")
                os.replace(tmp, path)
            else:
                path.unlink()
                path.with_name(path.name + ".lock").unlink(missing_ok=True)


def _parents_first(paths: list[Path]) -> list[Path]:
    by_run = {p.stem: p for p in paths}
    order: list[Path] = []
    placed: set[Path] = set()
    for path in paths:
        chain = [path]
        parent = _parent_of(path)
        while parent in by_run and by_run[parent] not in placed and by_run[parent] not in chain:
            chain.append(by_run[parent])
            parent = _parent_of(by_run[parent])
        for p in reversed(chain):  # the oldest ancestor first
            if p not in placed:
                placed.add(p)
                order.append(p)
    return order


def _parent_of(path: Path) -> str | None:
    """The parent run named by the file's first write (a run's creation comes first)."""
    try:
        with open(path, encoding="utf-8") as f:
            record = json.loads(f.readline())
        parent = record["write"]["run"]["parent_run_id"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return parent if isinstance(parent, str) else None
