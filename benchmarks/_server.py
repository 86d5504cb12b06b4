"""Start and stop a real ``runway server`` subprocess for the benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, folder: Path, db_uri: str | None = None, workers: int = 1):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_uri = db_uri or f"sqlite:///{folder / 'bench.db'}"
        self.log = (folder / "server.log").open("wb")
        cmd = [
            sys.executable,
            "-m",
            "runway.cli",
            "server",
            "--port",
            str(self.port),
            "--backend-uri",
            self.db_uri,
            "--artifacts-uri",
            str(folder / "artifacts"),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ]
        self.proc = subprocess.Popen(
            cmd, stdout=self.log, stderr=subprocess.STDOUT, env=dict(os.environ)
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("runway server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=15)
        self.log.close()
