"""``runway server --workers N``: the workers die with the process that supervises them, however
it dies, so a restart on the same port works instead of failing with "address already in use"."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import httpx
import pytest

from runway_core.processes import free_port, start_server

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads processes in /proc"),
]


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # after "pid (command)": state, ppid, …


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) and fields[1] == str(pid):
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie waiting for a reaper (which serves nothing)."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def _wait(condition, timeout: float) -> float:  # type: ignore[no-untyped-def]
    """Seconds until ``condition()`` held, or ``timeout`` if it never did."""
    started = time.monotonic()
    while not condition() and time.monotonic() - started < timeout:
        time.sleep(0.1)
    return time.monotonic() - started


@pytest.mark.parametrize("workers", [1, 2])
def test_killing_the_server_stops_its_workers_and_frees_the_port(
    tmp_path: Path, workers: int
) -> None:
    port = free_port()
    backend, artifacts = f"sqlite:///{tmp_path / 'server.db'}", str(tmp_path / "artifacts")
    log = tmp_path / "server.log"
    server = start_server(
        backend, artifacts, port=port, workers=workers, log_level="info", log_path=log
    )
    children: list[int] = []
    try:
        # Every worker has started serving: the kill below cannot fall before a worker is ready.
        _wait(lambda: server.log().count("Application startup complete") >= workers, 60)
        assert server.log().count("Application startup complete") == workers, server.log()
        children = _children(server.process.pid)
        assert len(children) >= workers - 1  # uvicorn's workers and multiprocessing's tracker

        server.kill()  # SIGKILL: the supervisor cannot tell its workers anything
        took = _wait(lambda: not any(_alive(pid) for pid in children), 10)
        assert not [pid for pid in children if _alive(pid)], f"still running:\n{server.log()}"
        assert took < 8, f"workers took {took:.1f} s to exit"
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{server.url}/healthz", timeout=2)

        again = start_server(backend, artifacts, port=port, workers=workers, log_path=log)
        again.stop()
    finally:
        server.stop()
        for pid in children:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
