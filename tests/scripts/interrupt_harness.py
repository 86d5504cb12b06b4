"""Test infrastructure for the Ctrl-C tests: a loopback TCP proxy that slows a real server's
writes down, competing CPU load, and one interrupted script run end to end."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path


class SlowProxy:
    """Forwards 127.0.0.1:<port> to a server, holding every chunk the client sends for
    ``delay`` seconds first: the server is reachable, only slow to take writes."""

    def __init__(self, target_port: int, delay: float):
        self.target_port = target_port
        self.delay = delay
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
            except OSError:
                return
            upstream.settimeout(None)
            self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, slow: bool) -> None:
        try:
            while chunk := source.recv(16384):
                if slow:
                    time.sleep(self.delay)
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (source, target):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        for s in self._sockets:
            s.close()


@contextmanager
def cpu_load(processes: int = 2, seconds: float = 300) -> Iterator[None]:
    """Busy-loop processes competing for the CPU (each ends by itself after ``seconds``)."""
    code = f"import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass"
    busy = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(processes)]
    try:
        yield
    finally:
        for process in busy:
            process.kill()
            process.wait(timeout=10)


SCRIPT = """
    import os, time
    from pathlib import Path
    import runway

    run = runway.init(project="ctrlc", capture=False)
    fd = os.open("logged", os.O_RDWR | os.O_CREAT)
    step = 0
    while True:
        run.log({f"k{k}": float(step) for k in range(20)}, step=step)
        step += 1
        os.pwrite(fd, b"%12d" % step, 0)  # how many log() calls returned, whenever it stops
        if step == 50:
            Path("ready").write_text(run.id)
        if step % 20 == 0:
            print("step", step, "x" * 100, flush=True)  # output for runway run to pump
        time.sleep(0.0005)
"""
KEYS = ("k0", "k19")


@dataclass
class Trial:
    folder: Path
    wrapped: bool
    sigints: int
    exit_seconds: float = 0.0  # from the first Ctrl-C
    after_second: float | None = None  # from the second, when it came before the exit
    run_id: str = ""
    logged: int = 0
    returncode: int | None = None
    stderr: str = ""
    spooled: bool = False


def interrupt_once(trial: Trial, tracking_uri: str, rng: random.Random) -> Trial:
    """Start the script, let it log, Ctrl-C it (once or twice, at random moments), wait."""
    folder = trial.folder
    folder.mkdir(parents=True)
    (folder / "train.py").write_text(SCRIPT.replace("\n    ", "\n").lstrip())
    command = [sys.executable, "train.py"]
    if trial.wrapped:
        command = [sys.executable, "-m", "runway.cli", "run", "-p", "ctrlc", "--", *command]
    env = {
        **os.environ,
        "RUNWAY_TRACKING_URI": tracking_uri,
        "RUNWAY_SPOOL_DIR": str(folder / "spool"),
        "RUNWAY_EXIT_TIMEOUT": "2",
    }
    with (folder / "out").open("w") as out, (folder / "err").open("w+") as err:
        # Its own session, like a terminal's foreground job: the signal goes to the group.
        child = subprocess.Popen(
            command, cwd=folder, env=env, stdout=out, stderr=err, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 60
            ready = folder / "ready"
            while not (ready.exists() and ready.read_text()):
                if child.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"not ready: {(folder / 'err').read_text()}")
                time.sleep(0.02)
            trial.run_id = ready.read_text()
            # Some points sent, more waiting: the slow server falls behind as time goes on.
            time.sleep(rng.uniform(0.3, 2.0))
            os.killpg(child.pid, signal.SIGINT)
            first = second = time.monotonic()
            if trial.sigints == 2:  # often while the last writes go out
                time.sleep(rng.uniform(0.05, 1.0))
                if child.poll() is None:
                    os.killpg(child.pid, signal.SIGINT)
                    second = time.monotonic()
            trial.returncode = child.wait(timeout=90)
            trial.exit_seconds = time.monotonic() - first
            if second > first:
                trial.after_second = time.monotonic() - second
        finally:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        err.seek(0)
        trial.stderr = err.read()
    trial.logged = int((folder / "logged").read_bytes() or b"0")
    trial.spooled = any((folder / "spool").glob("*.jsonl"))
    return trial


def sync(trial: Trial, server_url: str) -> None:
    """``runway sync`` of what the trial left in its spool, straight to the server."""
    if not trial.spooled:
        return
    spool = str(trial.folder / "spool")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "runway.cli",
            "sync",
            "--spool-dir",
            spool,
            "--tracking-uri",
            server_url,
        ],
        env={**os.environ, "RUNWAY_SPOOL_DIR": spool},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
