"""A Runway server that is down or does not answer never fails a DAG nor holds up its tasks;
what the plugin recorded meanwhile waits in the spool and reaches the server with sync."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import MEASUREMENTS, load_dag
from test_listener import key_id

import runway
from runway.airflow.guard import cost
from runway_core import tracking
from runway_core.errors import NotFound
from runway_core.processes import free_port
from runway_core.tracking.spool import Spool
from runway_core.tracking.sync import sync_spool

pytestmark = pytest.mark.usefixtures("airflow_db")


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A port that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_a_server_that_is_down_does_not_fail_the_dag(
    runway_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RUNWAY_TRACKING_URI", f"http://127.0.0.1:{free_port()}")  # nobody there
    monkeypatch.setenv("RUNWAY_SPOOL_DIR", str(tmp_path / "spool"))
    cost.reset()
    dag_run = load_dag("runway_plain").test(run_conf={"lr": 0.4})
    assert dag_run.state == "success"
    assert cost.task_instances == 2
    per_task = cost.per_task_instance()
    MEASUREMENTS.append(f"listener cost per task instance, server down: {cost.summary()}")
    assert per_task < 1.0
    assert tracking.flush(30)

    # Nothing was lost: the spool holds it, and sync delivers it.
    result = sync_spool(Spool(tmp_path / "spool"), tracking_uri=runway_server)
    assert result.applied > 0 and result.remaining == 0, result
    assert result.rejected == 0, [p.read_text() for p in result.rejected_files]
    client = runway.Client(runway_server)
    run = client.get_run(key_id("runway_plain", dag_run.run_id))
    assert run.status.value == "finished"
    assert run.params == {"lr": 0.4, "epochs": 2}
    task = client.get_run(key_id("runway_plain", dag_run.run_id, "train"))
    assert task.parent_run_id == run.id and task.status.value == "finished"


def test_a_server_that_does_not_answer_does_not_hold_up_the_tasks(
    silent_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RUNWAY_TRACKING_URI", silent_server)
    monkeypatch.setenv("RUNWAY_SPOOL_DIR", str(tmp_path / "spool"))
    monkeypatch.setenv("RUNWAY_AIRFLOW_TIMEOUT", "0.5")
    monkeypatch.setenv("RUNWAY_HTTP_TIMEOUT", "3")  # the sender's own request, in the background
    cost.reset()
    dag_run = load_dag("runway_plain").test()
    assert dag_run.state == "success"
    assert cost.task_instances == 2
    per_task = cost.per_task_instance()
    MEASUREMENTS.append(
        "listener cost per task instance, server silent (RUNWAY_AIRFLOW_TIMEOUT=0.5): "
        + cost.summary()
    )
    # At most the budget at a try's start and at its end, plus the recording itself.
    assert per_task < 2 * 0.5 + 0.5


def test_a_bad_setting_is_logged_by_name_and_the_dag_runs_on(
    tracked: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNWAY_AIRFLOW_TIMEOUT", "soon")
    seen: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = seen.append  # type: ignore[method-assign]
    logger = logging.getLogger("runway.airflow")
    logger.addHandler(handler)
    try:
        dag_run = load_dag("runway_plain").test()
    finally:
        logger.removeHandler(handler)
    assert dag_run.state == "success"
    assert len(seen) == 5  # each task's two hooks and the DAG run's end: nothing recorded
    for record in seen:
        assert "RUNWAY_AIRFLOW_TIMEOUT" in record.getMessage()
        assert record.exc_info is None  # a setting to fix, not a bug: no traceback
    with pytest.raises(NotFound):
        runway.Client(tracked).get_run(key_id("runway_plain", dag_run.run_id))
