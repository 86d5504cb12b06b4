"""Start and stop the server and dashboard processes behind ``runway up`` and ``runway ui``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from runway_core.errors import StoreUnavailable

APP_PATH = Path(__file__).resolve().parent / "app.py"


def server_command(host: str, port: int, backend_uri: str, artifacts_uri: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "runway.cli",
        "server",
        "--host",
        host,
        "--port",
        str(port),
        "--backend-uri",
        backend_uri,
        "--artifacts-uri",
        artifacts_uri,
        "--log-level",
        "warning",
    ]


def streamlit_command(host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_PATH),
        "--server.headless",
        "true",
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]


def start(cmd: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, env={**os.environ, **(env or {})})


def wait_ready(proc: subprocess.Popen[bytes], url: str, what: str, timeout: float = 60) -> None:
    """Poll ``url`` until it answers 200; fail clearly if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StoreUnavailable(f"{what} exited with status {proc.returncode} while starting")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop(proc)
    raise StoreUnavailable(f"{what} did not answer {url} within {timeout:.0f} s")


def stop(proc: subprocess.Popen[bytes], timeout: float = 10) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_any(procs: list[subprocess.Popen[bytes]]) -> None:
    """Block until one of the processes exits (the other is then stopped by the caller)."""
    while all(p.poll() is None for p in procs):
        time.sleep(0.5)
