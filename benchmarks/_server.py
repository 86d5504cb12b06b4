"""Start and stop a real ``runway server`` subprocess for the benchmarks (the same helper as the
tests and ``runway up``: ``runway_core.processes``)."""

from __future__ import annotations

from pathlib import Path

from runway_core.processes import start_server


class Server:
    def __init__(self, folder: Path, db_uri: str | None = None, workers: int = 1):
        self.db_uri = db_uri or f"sqlite:///{folder / 'bench.db'}"
        self._server = start_server(
            self.db_uri,
            str(folder / "artifacts"),
            workers=workers,
            log_path=folder / "server.log",
        )
        self.url = self._server.url

    def stop(self) -> None:
        self._server.stop(timeout=15)
