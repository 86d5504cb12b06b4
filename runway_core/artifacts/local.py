"""Artifact store on a local folder: ``<root>/objects/ab/cdef…``, written by atomic rename."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, cast

from runway_core.artifacts.base import object_key
from runway_core.artifacts.streams import CHUNK_SIZE
from runway_core.errors import NotFound, StoreUnavailable


class LocalArtifactStore:
    def __init__(self, root: str | Path):
        self.root = Path(root).expanduser().resolve()
        self.uri = str(self.root)
        self._tmp = self.root / "tmp"

    def _path(self, sha256: str) -> Path:
        return self.root / object_key(sha256)

    def put(self, stream: BinaryIO) -> tuple[str, int]:
        # The temp file lives on the same filesystem, so the final os.replace is atomic: a reader
        # sees the whole object or none, and an interrupted upload leaves nothing under objects/.
        self._tmp.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while True:
                    chunk = stream.read(CHUNK_SIZE)
                    if not chunk:
                        break
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self._path(sha)
            if final.exists():
                os.unlink(tmp_name)  # same bytes already stored: keep one copy
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(tmp_name, 0o644)
                os.replace(tmp_name, final)
            return sha, size
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise

    def open(self, sha256: str) -> BinaryIO:
        try:
            return cast(BinaryIO, self._path(sha256).open("rb"))
        except FileNotFoundError:
            raise NotFound(f"artifact content {sha256} is missing from {self.uri}") from None

    open_seekable = open

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def size(self, sha256: str) -> int:
        try:
            return self._path(sha256).stat().st_size
        except FileNotFoundError:
            raise NotFound(f"artifact content {sha256} is missing from {self.uri}") from None

    def delete(self, sha256: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(sha256).unlink()

    def check(self) -> None:
        """Raise ``StoreUnavailable`` unless the folder exists (or can be made) and is writable."""
        try:
            self._tmp.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(
                f"artifact folder {self.uri} cannot be created: {exc.strerror or exc}"
            ) from None
        if not os.access(self._tmp, os.W_OK):
            raise StoreUnavailable(f"artifact folder {self.uri} is not writable")
