"""Helpers of the sweep tests: the ``runway`` command and agents as real processes, an isolated
environment (own spool, no inherited run), and specs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

HERE = Path(__file__).parent
TRIAL = HERE / "trial.py"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment of the commands a test starts: its own spool and trial output folder."""
    for var in list(os.environ):
        if var.startswith("RUNWAY_"):
            monkeypatch.delenv(var)
    out = tmp_path / "trials"
    out.mkdir()
    return {
        **os.environ,
        "RUNWAY_SPOOL_DIR": str(tmp_path / "spool"),
        "RUNWAY_SILENT": "true",
        "TRIAL_OUT": str(out),
    }


def runway_cli(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runway.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def write_spec(path: Path, spec: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(spec))
    return path


def create_sweep(
    tmp_path: Path, spec: dict[str, Any], uri: str, env: dict[str, str], project: str = "p"
) -> str:
    """``runway sweep create``; returns the id from the last line of stdout."""
    done = runway_cli(
        "sweep", "create", str(write_spec(tmp_path / "spec.yaml", spec)),
        "--project", project, "--experiment", "e", "--tracking-uri", uri, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


AgentStarter = Callable[..., subprocess.Popen[str]]


@pytest.fixture
def start_agent(tmp_path: Path) -> Iterator[AgentStarter]:
    """Start ``runway agent SWEEP -- python trial.py`` in its own process group (so a test can
    kill the agent with its trial, as a machine that dies would); all are ended afterwards."""
    started: list[subprocess.Popen[str]] = []

    def start(
        sweep_id: str, uri: str, env: dict[str, str], *options: str, extra_env: Any = None
    ) -> subprocess.Popen[str]:
        log = (tmp_path / f"agent-{len(started)}.log").open("w")
        process = subprocess.Popen(
            [
                sys.executable, "-m", "runway.cli", "agent", sweep_id,
                "--tracking-uri", uri, "--heartbeat", "0.2", "--poll", "0.2", *options,
                "--", sys.executable, str(TRIAL),
            ],
            env={**env, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )  # fmt: skip
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def agent_log(tmp_path: Path, index: int) -> str:
    return (tmp_path / f"agent-{index}.log").read_text(errors="replace")


def wait_for(check: Callable[[], Any], timeout: float = 60, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
