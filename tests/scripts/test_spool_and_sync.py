"""Nothing lost: offline runs and unreachable stores go to the spool; ``runway sync`` uploads."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

import runway
from runway_core import tracking
from runway_core.schemas.writes import MetricsWrite
from runway_core.tracking.spool import Spool
from runway_core.tracking.sync import sync_spool


def _sync_cli(spool: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runway.cli", "sync", "--spool-dir", str(spool), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_offline_mode_writes_only_the_spool_and_sync_uploads_it(
    empty_sqlite_uri: str, spool_dir: Path, tmp_path: Path
) -> None:
    sqlite_uri = empty_sqlite_uri  # no file yet: offline mode must not create it
    artifact = tmp_path / "notes.txt"
    artifact.write_text("v1")
    with runway.init(
        project="p",
        experiment="e",
        tracking_uri=sqlite_uri,
        mode="offline",
        params={"lr": 0.1},
        capture=False,
    ) as run:
        for i in range(250):
            run.log({"loss": 1.0 / (i + 1)})
        run.set_tags({"t": "v"})
        run.log_artifact(artifact)
        artifact.write_text("v2: changed after logging")  # the spool kept its own copy
    tracking.flush()  # finish() only queued the last writes
    assert not Path(sqlite_uri.removeprefix("sqlite:///")).exists()
    records = Spool(spool_dir).read(run.id)
    ops = [r.write.op for r in records]
    assert ops[0] == "create_run" and ops[-1] == "update_run"
    assert {r.uri for r in records} == {sqlite_uri} and {r.write.run_id for r in records} == {
        run.id
    }
    assert all(r.write.batch.batch_id for r in records if isinstance(r.write, MetricsWrite))

    done = _sync_cli(spool_dir)
    assert done.returncode == 0, done.stderr
    assert f"uploaded {len(records)} writes from 1 spool file" in done.stdout
    assert Spool(spool_dir).files() == []
    with runway.Client(sqlite_uri) as client:
        stored = client.get_run(run.id)
        assert stored.status.value == "finished" and stored.params == {"lr": 0.1}
        assert stored.tags == {"t": "v"}
        history = client.get_metric_history(run.id, "loss")
        assert history.steps == list(range(250))
        with client.open_artifact(run.id, "notes.txt") as f:
            assert f.read() == b"v1"
    assert "nothing to sync" in _sync_cli(spool_dir).stdout


def test_replaying_a_spool_twice_stores_nothing_twice(sqlite_uri: str, spool_dir: Path) -> None:
    with runway.init(project="p", tracking_uri=sqlite_uri, mode="offline", capture=False) as run:
        for i in range(100):
            run.log({"x": float(i)}, step=i)
    tracking.flush()
    path = Spool(spool_dir).path_for(run.id)
    copy = path.read_text()
    assert sync_spool(Spool(spool_dir)).applied == len(copy.splitlines())
    path.write_text(copy)  # as if a crash had kept the file after uploading it
    result = sync_spool(Spool(spool_dir))
    assert result.remaining == 0 and result.rejected == 0
    with runway.Client(sqlite_uri) as client:
        assert client.get_metric_history(run.id, "x").values == [float(i) for i in range(100)]


def test_unreachable_server_spools_warns_once_and_sync_uploads_later(
    live_server_factory, spool_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.conftest import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}"  # nothing listens here yet
    with caplog.at_level(logging.WARNING, logger="runway"):
        run = runway.init(project="p", experiment="e", tracking_uri=url, capture=False)
        for i in range(50):
            run.log({"loss": float(i)})
            run.flush()  # every flush fails: one warning still
        run.log_params({"lr": 0.5})
        run.finish()
    warnings = [r for r in caplog.records if "cannot reach the tracking store" in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in caplog.records]
    assert Spool(spool_dir).has(run.id)

    server = live_server_factory(port=port)
    done = _sync_cli(spool_dir)
    assert done.returncode == 0, done.stderr + done.stdout
    with runway.Client(server.url) as client:
        stored = client.get_run(run.id)
        assert stored.status.value == "finished" and stored.params == {"lr": 0.5}
        assert client.get_metric_history(run.id, "loss").values == [float(i) for i in range(50)]


def test_sync_keeps_the_spool_when_the_store_is_still_down(spool_dir: Path) -> None:
    from tests.conftest import free_port

    url = f"http://127.0.0.1:{free_port()}"
    with runway.init(project="p", tracking_uri=url, mode="offline", capture=False) as run:
        run.log({"x": 1.0})
    done = _sync_cli(spool_dir)
    assert done.returncode == 1
    assert "could not be uploaded and stay in the spool" in done.stderr
    assert Spool(spool_dir).has(run.id)


def _v1(op: str, uri: str, run_id: str, data: dict, **extra: str) -> str:
    """A line as the first spool format wrote it."""
    return json.dumps({"v": 1, "op": op, "uri": uri, "run_id": run_id, **extra, "data": data})


def test_spool_files_of_the_first_format_are_still_uploaded(
    sqlite_uri: str, spool_dir: Path
) -> None:
    run_id = "c" * 32
    (spool_dir / "blobs").mkdir(parents=True)
    (spool_dir / "blobs" / "blob1").write_text("kept copy")
    create = {
        "project": "old",
        "experiment": "spool",
        # A lone surrogate as an older SDK spooled it: stored escaped, not refused.
        "run": {"id": run_id, "experiment_id": "", "name": "v1", "source": "script",
                "command": "python train.py data_\udcff.csv", "params": {"lr": 0.1},
                "tags": {}, "description": ""},
    }  # fmt: skip
    batch = {"batch_id": "b1", "metrics": {"x": {"steps": [0, 1], "values": [1.0, 2.0]}}}
    lines = [
        _v1("create_run", sqlite_uri, run_id, create),
        _v1("params", sqlite_uri, run_id, {"params": {"epochs": 3}, "overwrite": False}),
        _v1("tags", sqlite_uri, run_id, {"tags": {"t": "v"}}),
        _v1("metrics", sqlite_uri, run_id, batch, batch_id="b1"),
        _v1("link", sqlite_uri, run_id, {"path": "data", "uri": "s3://bucket/data"}),
        _v1(
            "artifact", sqlite_uri, run_id, {"path": "notes.txt", "file": "/gone", "blob": "blob1"}
        ),
        _v1(
            "update_run", sqlite_uri, run_id, {"status": "finished", "end_time": 1_700_000_000_000}
        ),
    ]
    Spool(spool_dir).path_for(run_id).write_text("".join(line + "\n" for line in lines))
    done = _sync_cli(spool_dir)
    assert done.returncode == 0, done.stderr
    assert f"uploaded {len(lines)} writes from 1 spool file" in done.stdout
    with runway.Client(sqlite_uri) as client:
        run = client.get_run(run_id)
        assert (run.name, run.status.value, run.end_time) == ("v1", "finished", 1_700_000_000_000)
        assert run.command == "python train.py data_\\xff.csv"
        assert run.params == {"lr": 0.1, "epochs": 3} and run.tags == {"t": "v"}
        assert client.get_metric_history(run_id, "x").values == [1.0, 2.0]
        assert {a.path for a in client.list_artifacts(run_id)} == {"data", "notes.txt"}
        assert client.preview_artifact(run_id, "notes.txt").text == "kept copy"
    assert Spool(spool_dir).files() == []
