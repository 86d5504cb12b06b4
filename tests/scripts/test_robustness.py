"""Scripts that misbehave around the SDK: forks, a hung server at exit, an unwritable spool,
nested ``init()`` calls and huge artifacts while offline."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import runway
from runway_core import tracking
from runway_core.tracking.spool import Spool
from tests.scripts.conftest import run_script

FORKING = """
    import multiprocessing as mp, os, sys, runway
    mp.set_start_method("fork")
    run = runway.init(project="fork", tracking_uri=sys.argv[1], capture=False)
    for i in range(100):
        run.log({"parent": float(i)})

    def child(k):
        for i in range(50):
            runway.log({f"child{k}": float(i)})

    procs = [mp.Process(target=child, args=(k,)) for k in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0], [p.exitcode for p in procs]
    assert run.status == "running"
    if os.fork() == 0:  # a bare fork whose child exits through atexit
        runway.log({"bare": 1.0})
        sys.exit(0)
    os.wait()
    for i in range(100, 200):
        run.log({"parent": float(i)})
    print(run.id)
"""


def test_forked_children_neither_duplicate_nor_finish_the_parents_run(tmp_path: Path) -> None:
    db = tmp_path / "fork.db"
    done = run_script(tmp_path / "train.py", FORKING, f"sqlite:///{db}", timeout=120)
    assert done.returncode == 0, done.stderr
    with runway.Client(str(db)) as client:
        run = client.get_run(done.stdout.strip())
        assert run.status.value == "finished"
        parent = client.get_metric_history(run.id, "parent")
        assert parent.steps == list(range(200))  # not sent twice by a child
        for key in ("child0", "child1"):  # the children's own points arrive
            assert client.get_metric_history(run.id, key).total_points == 50
        assert client.get_metric_history(run.id, "bare").total_points == 1


@pytest.fixture
def hung_server() -> Iterator[str]:
    """A TCP port that accepts connections and never answers (a stopped or stuck server)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    conns: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conns.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in conns:
        conn.close()
    sock.close()


HUNG = """
    import sys, time, runway
    warmup = runway.init(project="p", tracking_uri=sys.argv[1], capture=False)
    warmup.finish()  # a second init() must not wait for the server again
    run = runway.init(project="p", tracking_uri=sys.argv[1], capture=False)
    for i in range(1000):
        run.log({"x": float(i)})
        if i % 100 == 0:
            time.sleep(0.15)  # long enough for the background retries to start
    print(run.id, flush=True)
"""
TIMEOUT = 4.0


@pytest.mark.parametrize("finish", [False, True], ids=["exit", "finish"])
def test_the_script_waits_one_timeout_in_all_when_the_server_hangs(
    tmp_path: Path, hung_server: str, spool_dir: Path, finish: bool
) -> None:
    started = time.monotonic()
    script = HUNG + ("    run.finish()\n" if finish else "")
    done = run_script(
        tmp_path / "train.py",
        script,
        hung_server,
        env={"RUNWAY_HTTP_TIMEOUT": str(TIMEOUT)},
        timeout=120,
    )
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    # 1.5 s of logging, start-up, and at most one timeout: a second wait would pass 2 x 4 s.
    assert took < 1.5 + TIMEOUT + 2.0, f"the script took {took:.1f} s with a hung server"
    assert done.stderr.count("cannot reach the tracking store") == 1, done.stderr
    lines = Spool(spool_dir).path_for(done.stdout.strip()).read_text().splitlines()
    assert '"create_run"' in lines[0] and '"update_run"' in lines[-1]
    writes = [json.loads(line)["write"] for line in lines]
    batches = [w["batch"]["metrics"]["x"]["values"] for w in writes if w["op"] == "metrics"]
    assert sum(len(values) for values in batches) == 1000


def test_unwritable_spool_is_a_warning_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("RUNWAY_SPOOL_DIR", str(blocker / "spool"))  # cannot be created
    run = runway.init(project="p", tracking_uri="http://127.0.0.1:1", capture=False)
    for i in range(10):
        run.log({"x": float(i)})
    run.set_tags({"a": "b"})
    run.finish()
    tracking.flush()  # finish() only queued the last writes
    assert run.status == "finished"
    spool_warnings = [r for r in caplog.records if "cannot write the spool" in r.getMessage()]
    assert len(spool_warnings) == 1  # once, not per write


def test_nested_init_restores_the_outer_run_as_active(sqlite_uri: str) -> None:
    outer = runway.init(project="p", experiment="outer", tracking_uri=sqlite_uri, capture=False)
    with runway.init(
        project="p", experiment="inner", tracking_uri=sqlite_uri, capture=False
    ) as inner:
        assert runway.active_run() is inner
        assert outer.status == "running"  # a second init() does not end the first run
    assert runway.active_run() is outer
    runway.log({"x": 1.0})
    outer.finish()
    assert runway.active_run() is None
    with runway.Client(sqlite_uri) as client:
        assert client.get_metric_history(outer.id, "x").total_points == 1


def test_offline_artifact_over_the_spool_cap_is_linked_not_copied(
    sqlite_uri: str,
    spool_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("RUNWAY_SPOOL_MAX_COPY_MB", "1")
    big = tmp_path / "model.bin"
    big.write_bytes(b"\0" * (2 * 1024 * 1024))
    small = tmp_path / "small.txt"
    small.write_text("s")
    with runway.init(project="p", tracking_uri=sqlite_uri, mode="offline", capture=False) as run:
        run.log_artifact(big)
        run.log_artifact(small)
    blobs = list((spool_dir / "blobs").iterdir())
    assert [b.stat().st_size for b in blobs] == [1]  # only the small file was copied
    assert sum("not copied into the spool" in r.getMessage() for r in caplog.records) == 1
    from runway_core.tracking.sync import sync_spool

    assert sync_spool(Spool(spool_dir)).remaining == 0
    with runway.Client(sqlite_uri) as client:
        assert {a.path for a in client.list_artifacts(run.id)} == {"model.bin", "small.txt"}
