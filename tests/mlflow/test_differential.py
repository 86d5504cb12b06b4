"""The same MLflow client script against a real MLflow server and against Runway: what the
client reads back must match field by field (ids and times aside).

The MLflow server runs from ``.venv-mlflow`` (full ``mlflow`` at the version of mlflow-skinny),
which ``scripts/mlflow_env.sh`` builds and ``scripts/test.sh`` runs before pytest.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from runway_core.processes import free_port, wait_ready
from tests.conftest import LiveServer

ROOT = Path(__file__).resolve().parents[2]
MLFLOW_BIN = ROOT / ".venv-mlflow" / "bin" / "mlflow"
SCRIPT = Path(__file__).with_name("client_script.py")
# The script's volume of reads: fewer compared fields means the comparison lost coverage.
MIN_FIELDS = 250


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not MLFLOW_BIN.exists():
        pytest.fail(f"{MLFLOW_BIN} is missing: run scripts/mlflow_env.sh (scripts/test.sh does)")
    tmp = tmp_path_factory.mktemp("mlflow-real")
    port = free_port()
    log = (tmp / "server.log").open("wb")
    cmd = [
        str(MLFLOW_BIN),
        "server",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--workers", "1",
        "--backend-store-uri", f"sqlite:///{tmp / 'mlflow.db'}",
        "--artifacts-destination", str(tmp / "artifacts"),
    ]  # fmt: skip
    # Its own session: the server's workers are stopped with it, as one process group.
    proc = subprocess.Popen(
        cmd, cwd=tmp, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(proc, f"{url}/health", "mlflow server", timeout=180, log_path=tmp / "server.log")
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def _read_back(uri: str, workdir: Path) -> dict[str, Any]:
    workdir.mkdir()
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": uri,
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
        "MLFLOW_TRACKING_USERNAME": "",
    }
    env.pop("MLFLOW_EXPERIMENT_NAME", None)
    env.pop("MLFLOW_EXPERIMENT_ID", None)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(workdir)],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"client script failed against {uri}:\n{done.stderr[-4000:]}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _flatten(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(_flatten(inner, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(value, list):
        out = {f"{path}.len": len(value)}
        for i, inner in enumerate(value):
            out.update(_flatten(inner, f"{path}[{i}]"))
        return out
    return {path: value}


@pytest.mark.e2e
def test_the_mlflow_client_reads_back_the_same_from_runway_as_from_mlflow(
    mlflow_server: str, server: LiveServer, tmp_path: Path
) -> None:
    with ThreadPoolExecutor(2) as pool:  # two client processes, one per server, side by side
        from_mlflow = pool.submit(_read_back, mlflow_server, tmp_path / "mlflow")
        from_runway = pool.submit(_read_back, server.url, tmp_path / "runway")
        expected, actual = _flatten(from_mlflow.result()), _flatten(from_runway.result())
    differences = {
        k: (expected.get(k, "<absent>"), actual.get(k, "<absent>"))
        for k in sorted(set(expected) | set(actual))
        if expected.get(k, "<absent>") != actual.get(k, "<absent>")
    }
    assert not differences, "field: (mlflow, runway)\n" + "\n".join(
        f"{k}: {v}" for k, v in differences.items()
    )
    print(f"differential: {len(expected)} fields compared, all equal")
    assert len(expected) >= MIN_FIELDS
