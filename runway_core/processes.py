"""Start a Runway process (``runway server``, the dashboard), wait until it answers, stop it.

``runway up``, ``runway ui``, the tests and the benchmarks all start servers through this one
module. It imports no web framework: httpx only polls the address the child serves.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from runway_core.errors import InvalidInput, StoreUnavailable

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (the OS picks it; another process may take it later)."""
    with socket.socket(_family(host)) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_problem(host: str, port: int) -> str | None:
    """Why a server could not listen on ``host:port``, or None when it can.

    Binds the way Uvicorn and Tornado do (``SO_REUSEADDR``), so a port that a stopped server left
    in TIME_WAIT counts as free, as it is for them.
    """
    with socket.socket(_family(host)) as sock:
        if os.name != "nt":  # on Windows the option would let two servers share a port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return "is in use"
            return f"cannot be used on {host} ({exc.strerror or exc})"
    return None


def require_free_ports(host: str, ports: Sequence[tuple[int, str, str]]) -> None:
    """Fail in one line naming every port of ``(port, what, option)`` that cannot be served,
    e.g. ``port 5000 (API) is in use; port 8501 (dashboard) is in use — pass --port / --ui-port``.
    """
    busy = [(p, what, opt, why) for p, what, opt in ports if (why := port_problem(host, p))]
    if busy:
        found = "; ".join(f"port {p} ({what}) {why}" for p, what, _, why in busy)
        options = " / ".join(dict.fromkeys(opt for _, _, opt, _ in busy))
        raise InvalidInput(f"{found} — pass {options}")


def url_of(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def server_command(
    host: str,
    port: int,
    backend_uri: str,
    artifacts_uri: str,
    *,
    workers: int = 1,
    log_level: str = "warning",
) -> list[str]:
    """The ``runway server`` command line, run by this interpreter."""
    return [
        *(sys.executable, "-m", "runway.cli", "server", "--host", host, "--port", str(port)),
        *("--backend-uri", backend_uri, "--artifacts-uri", artifacts_uri),
        *("--workers", str(workers), "--log-level", log_level),
    ]


def start(
    cmd: list[str],
    env: dict[str, str] | None = None,
    *,
    log_path: Path | None = None,
    die_with_parent: bool = True,
) -> subprocess.Popen[bytes]:
    """Start ``cmd`` with ``env`` added to this environment; output to ``log_path`` or ours.

    With ``die_with_parent`` the child is sent SIGTERM when this process dies, however it dies
    (SIGKILL included), so a killed ``runway up`` or test run leaves no server holding a port.
    """
    full_env = {**os.environ, **(env or {})}
    preexec = _death_signal_setter() if die_with_parent else None
    if log_path is None:
        return subprocess.Popen(cmd, env=full_env, preexec_fn=preexec)
    with log_path.open("ab") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            cmd, env=full_env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=preexec
        )


def wait_ready(
    proc: subprocess.Popen[bytes],
    url: str,
    what: str,
    *,
    timeout: float = 60,
    log_path: Path | None = None,
) -> None:
    """Poll ``url`` until it answers 200. Fail, with the log when there is one, if the process
    exits first or time runs out (then the process is stopped)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StoreUnavailable(
                f"{what} exited with status {proc.returncode} while starting{_tail(log_path)}"
            )
        try:
            # trust_env=False: a proxy from the environment must not answer for a local child.
            if httpx.get(url, timeout=1, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop(proc)
    raise StoreUnavailable(f"{what} did not answer {url} within {timeout:.0f} s{_tail(log_path)}")


def stop(proc: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL after ``timeout`` seconds; returns once the process is gone."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_any(procs: Sequence[subprocess.Popen[bytes]]) -> None:
    """Block until one of the processes exits (the caller then stops the others)."""
    while all(p.poll() is None for p in procs):
        time.sleep(0.5)


@dataclass
class ServerProcess:
    """A running ``runway server`` started by :func:`start_server`."""

    url: str
    backend_uri: str
    artifacts_uri: str
    process: subprocess.Popen[bytes]
    log_path: Path | None = None

    def stop(self, timeout: float = 10) -> None:
        stop(self.process, timeout)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""


def start_server(
    backend_uri: str,
    artifacts_uri: str,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    workers: int = 1,
    log_level: str = "warning",
    log_path: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> ServerProcess:
    """Start ``runway server`` and return once ``/healthz`` answers; stop it on any failure."""
    port = port or free_port(host)
    cmd = server_command(
        host, port, backend_uri, artifacts_uri, workers=workers, log_level=log_level
    )
    server = ServerProcess(
        url_of(host, port), backend_uri, artifacts_uri, start(cmd, env, log_path=log_path), log_path
    )
    try:
        wait_ready(
            server.process,
            f"{server.url}/healthz",
            "runway server",
            timeout=timeout,
            log_path=log_path,
        )
    except BaseException:  # Ctrl-C while waiting too: never leave a half-started server behind
        server.stop()
        raise
    return server


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _tail(log_path: Path | None, chars: int = 4000) -> str:
    if log_path is None or not log_path.exists():
        return ""
    return ":\n" + log_path.read_text(errors="replace")[-chars:]


def _death_signal_setter() -> Callable[[], None] | None:
    """For ``preexec_fn``: ask Linux to send the child SIGTERM when its parent dies.

    Elsewhere there is no such request, and the child outlives a killed parent. Linux ties the
    signal to the thread that forked, not the process, so only the main thread (which lives as
    long as the process) asks; from another thread the child would die with that thread.
    """
    if not sys.platform.startswith("linux") or threading.current_thread() is not (
        threading.main_thread()
    ):
        return None
    import ctypes

    # Looked up here: between fork and exec the child must not load libraries.
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def set_death_signal() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))
        if os.getppid() != parent:  # the parent died before the request: no signal will come
            os.kill(os.getpid(), signal.SIGTERM)

    return set_death_signal
