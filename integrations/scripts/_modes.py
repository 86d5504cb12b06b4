"""``RUNWAY_MODE``: ``online`` (default), ``offline`` (write only to the local spool) and
``disabled`` (every call is a no-op on a dummy run — for CI of code that uses Runway)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from runway._run import Run
from runway_core.errors import InvalidInput

MODES = ("online", "offline", "disabled")


def resolve_mode(mode: str | None = None) -> str:
    value = (mode or os.environ.get("RUNWAY_MODE") or "online").strip().lower()
    if value not in MODES:
        raise InvalidInput(
            f"RUNWAY_MODE / mode= must be one of {', '.join(MODES)}, not {value!r}", field="mode"
        )
    return value


class DisabledRun(Run):
    """A run that records nothing; accepts every call so user code runs unchanged."""

    def __init__(self, *, name: str | None, project: str, experiment: str, on_finish: Any = None):
        super().__init__(
            run_id="disabled",
            name=name,
            project=project,
            experiment=experiment,
            writer=None,
            on_finish=on_finish,
        )

    def log(self, metrics: Any, step: int | None = None) -> None:
        return None

    def log_params(self, params: Any, *, overwrite: bool = False) -> None:
        return None

    def set_tags(self, tags: Any) -> None:
        return None

    def log_artifact(self, path: Any, name: str | None = None) -> None:
        return None

    def log_artifacts(self, folder: Any, prefix: str | None = None) -> int:
        return 0

    def log_archive(self, folder: Any, name: str | None = None, *, format: str = "zip") -> None:
        return None

    def link_artifact(self, uri: str, name: str | None = None) -> None:
        return None

    def download_artifacts(self, path: str = "", dest: str | Path = ".") -> Path:
        return Path(dest)

    def finish(self, status: str = "finished") -> None:
        if not self.finished:
            self.status = status
            if self._on_finish is not None:
                self._on_finish(self)
