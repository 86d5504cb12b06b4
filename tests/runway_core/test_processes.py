"""Starting Runway's processes: busy ports named in one line, a child that dies while starting
reported with its log, and ``runway server`` refusing a busy port before it starts anything."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from runway_core.errors import InvalidInput, StoreUnavailable
from runway_core.processes import (
    free_port,
    port_problem,
    require_free_ports,
    start,
    wait_ready,
)


@pytest.fixture
def listening() -> Iterator[int]:
    """A port that a listening socket holds during the test."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_every_busy_port_is_named_with_its_option(listening: int) -> None:
    free = free_port()
    assert port_problem("127.0.0.1", free) is None
    assert port_problem("127.0.0.1", listening) == "is in use"
    require_free_ports("127.0.0.1", [(free, "API", "--port")])  # nothing to say
    with pytest.raises(InvalidInput) as caught:
        require_free_ports(
            "127.0.0.1", [(listening, "API", "--port"), (listening, "dashboard", "--ui-port")]
        )
    assert caught.value.message == (
        f"port {listening} (API) is in use; port {listening} (dashboard) is in use"
        " — pass --port / --ui-port"
    )


def test_an_address_that_is_not_ours_is_explained() -> None:
    why = port_problem("192.0.2.1", free_port())  # TEST-NET-1: on no interface of this machine
    assert why is not None and why.startswith("cannot be used on 192.0.2.1 (")


def test_a_child_that_exits_while_starting_is_reported_with_its_log(tmp_path: Path) -> None:
    log = tmp_path / "child.log"
    code = "import sys; print('cannot open the widget', flush=True); sys.exit(3)"
    proc = start([sys.executable, "-c", code], log_path=log)
    with pytest.raises(StoreUnavailable) as caught:
        wait_ready(proc, f"http://127.0.0.1:{free_port()}/healthz", "widget", log_path=log)
    assert caught.value.message.startswith("widget exited with status 3 while starting:\n")
    assert "cannot open the widget" in caught.value.message


def test_a_child_that_never_answers_is_stopped(tmp_path: Path) -> None:
    proc = start([sys.executable, "-c", "import time; time.sleep(60)"])
    with pytest.raises(StoreUnavailable, match=r"did not answer .* within 1 s"):
        wait_ready(proc, f"http://127.0.0.1:{free_port()}/healthz", "sleeper", timeout=1)
    assert proc.poll() is not None  # stopped, not left running


def test_server_says_its_port_is_busy_in_one_line(tmp_path: Path, listening: int) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "runway.cli", "server", "--port", str(listening)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert out.returncode == 1
    assert out.stderr.strip() == f"error: port {listening} (API) is in use — pass --port"
