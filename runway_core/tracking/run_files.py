"""A run's files: artifacts logged (uploaded, in order with its other writes), linked, archived,
and downloaded back. Mixed into ``RunSession``."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from runway_core.artifacts.paths import iter_folder
from runway_core.errors import InvalidInput
from runway_core.schemas import ArtifactPublic
from runway_core.tracking.inputs import artifact_path, utf8_text

if TYPE_CHECKING:
    from runway_core.tracking.writer import RunWriter


class RunFiles:
    id: str

    def _live_writer(self, *, allow_finished: bool = False) -> RunWriter:
        raise NotImplementedError

    def _store_for_reads(self) -> Any:
        raise NotImplementedError

    def log_artifact(
        self, path: str | Path, name: str | None = None, *, wait: bool = True
    ) -> ArtifactPublic | None:
        """Store a file under ``name`` (default: its file name) and return the record, once
        uploaded; ``None`` when the store is unreachable (a copy waits in the spool). A refusal
        by the store (e.g. a path clash) is raised here. ``wait=False`` only queues the upload
        (returns ``None``; the file must stay until the run's writes are flushed)."""
        file = Path(path)
        if not file.is_file():
            raise InvalidInput(f"log_artifact: {str(file)!r} is not a file", field="path")
        writer = self._live_writer()
        return writer.log_artifact(artifact_path(name or file.name), file, wait=wait)

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
        uri = utf8_text(uri)
        default = uri.rstrip("/").rsplit("/", 1)[-1] or "link"
        return self._live_writer().link_artifact(artifact_path(name or default), uri)

    def download_artifacts(self, path: str = "", dest: str | Path = ".") -> Path:
        """Copy this run's stored artifacts at or under ``path`` (all when empty) into ``dest``,
        keeping their paths; returns ``dest``."""
        return download_artifacts(self._store_for_reads(), self.id, dest, path)


def download_artifacts(store: Any, run_id: str, dest: str | Path, prefix: str = "") -> Path:
    """Copy a run's stored artifacts at or under ``prefix`` into ``dest`` (links are skipped)."""
    root = Path(dest)
    root.mkdir(parents=True, exist_ok=True)
    for artifact in store.list_artifacts(run_id, prefix=prefix or ""):
        if artifact.kind == "link":
            continue
        target = (root / artifact.path).resolve()
        if not target.is_relative_to(root.resolve()):  # a stored path must not escape dest
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with store.open_artifact(run_id, artifact.path) as src, target.open("wb") as out:
            shutil.copyfileobj(src, out)
    return root
