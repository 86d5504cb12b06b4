"""``log_artifacts``: a folder logged file by file, the same way by both stores.

Each store uploads one file its own way (``log_artifact``); walking the folder, checking its
links and naming the files is shared here, on ``runway_core.artifacts.paths.iter_folder`` (the
folder walk the SDK's spool-aware writer uses too).
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Protocol

from runway_core.artifacts.paths import iter_folder
from runway_core.schemas import ArtifactPublic


class _LogsOneFile(Protocol):
    def log_artifact(
        self, run_id: str, path: str, source: BinaryIO | Path | str, *, kind: str = "file"
    ) -> ArtifactPublic: ...


class FolderUploads:
    """Mixed into ``SqlStore`` and ``HttpStore``, over their own ``log_artifact``."""

    def log_artifacts(
        self: _LogsOneFile, run_id: str, folder: Path | str, path: str = ""
    ) -> list[ArtifactPublic]:
        """Log every file under ``folder`` at ``path/<relative path>``, one by one."""
        files = list(iter_folder(Path(folder), path))  # checks every link before uploading
        return [self.log_artifact(run_id, rel, file) for rel, file in files]
