"""Everything Runway stores is valid UTF-8, and a write the server refuses never blocks the
writes behind it: it is moved to ``<spool>/rejected/<run_id>.jsonl`` with one warning."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import runway
from runway_core import tracking
from runway_core.tracking.spool import Spool

SURROGATES = """
    import os, sys
    from pathlib import Path
    import runway

    data = Path(os.fsdecode(b"data_\\xff.csv"))   # a file name that is not valid UTF-8
    data.write_text("a,b\\n1,2\\n")
    run = runway.init(
        project="text",
        experiment="exp_" + sys.argv[1],
        name="run " + sys.argv[1],
        params={"file": str(data), "files": [sys.argv[1]]},
        tags={"input": sys.argv[1]},
        description="reads " + sys.argv[1],
    )
    for step in range(20):
        run.log({"loss": 1.0 / (step + 1)})
    run.log_params({"later": sys.argv[1]})
    run.set_tags({"later": sys.argv[1]})
    run.log_artifact(data)
    run.link_artifact("s3://bucket/" + sys.argv[1], name="linked")
    run.finish()
    print(run.id)
"""


def test_text_that_is_not_utf8_is_stored_escaped_and_blocks_nothing(
    tmp_path: Path, live_server, spool_dir: Path
) -> None:
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(SURROGATES))
    done = subprocess.run(
        [sys.executable, str(script), b"data_\xff.csv"],  # argv with a byte that is not UTF-8
        cwd=tmp_path,
        env={**os.environ, "RUNWAY_TRACKING_URI": live_server.url, "RUNWAY_SILENT": "true"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr
    run_id = done.stdout.strip()
    escaped = "data_\\xff.csv"
    with runway.Client(live_server.url) as client:
        run = client.get_run(run_id)
        assert run.status.value == "finished"
        assert run.command is not None and run.command.endswith(f"train.py '{escaped}'")
        assert run.name == "run " + escaped and run.description == "reads " + escaped
        assert run.params["file"].endswith(escaped) and run.params["files"] == [escaped]
        assert run.params["later"] == escaped
        assert run.tags == {"input": escaped, "later": escaped}
        assert client.get_experiment("text", "exp_" + escaped).id == run.experiment_id
        raw = os.fsdecode(b"exp_data_\xff.csv")  # looked up as it was given, it is found too
        assert client.get_experiment("text", raw).id == run.experiment_id
        assert client.get_metric_history(run_id, "loss").total_points == 20
        paths = {a.path for a in client.list_artifacts(run_id)}
        assert paths >= {"data_%FF.csv", "linked", "repro/train.py"}
    assert Spool(spool_dir).files() == []  # nothing left waiting, nothing refused
    assert not (spool_dir / "rejected").exists()


def test_a_refused_write_is_set_aside_and_later_writes_arrive(
    live_server, spool_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run = runway.init(project="p", tracking_uri=live_server.url, params={"a": 1}, capture=False)
    run.flush()  # created on the server before another writer uses it
    with runway.Client(live_server.url) as client:
        client.store.log_params(run.id, {"lr": 0.1})  # another writer recorded lr first
    with caplog.at_level(logging.WARNING, logger="runway"):
        run.log_params({"lr": 0.2})  # the server refuses it (409): not the caller's problem
        run.log({"loss": 1.0})
        run.set_tags({"after": "yes"})
        run.log_params({"b": 2})
        run.finish()
        tracking.flush()
    with runway.Client(live_server.url) as client:
        stored = client.get_run(run.id)
        assert stored.status.value == "finished"
        assert stored.params == {"a": 1, "lr": 0.1, "b": 2}
        assert stored.tags == {"after": "yes"}
        assert stored.metrics["loss"].count == 1
    rejected = spool_dir / "rejected" / f"{run.id}.jsonl"
    lines = [json.loads(line) for line in rejected.read_text().splitlines()]
    assert len(lines) == 1 and "lr" in json.dumps(lines[0])
    warnings = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(warnings) == 1 and str(rejected) in warnings[0]
    assert Spool(spool_dir).files() == []


def test_sync_sets_refused_writes_aside_reports_them_and_uploads_the_rest(
    sqlite_uri: str, spool_dir: Path
) -> None:
    with runway.init(
        project="p", tracking_uri=sqlite_uri, mode="offline", params={"lr": 0.1}, capture=False
    ) as run:
        run.log({"x": 1.0})
        run.log_params({"lr": 0.2}, overwrite=True)
        run.log({"x": 2.0})
        run.set_tags({"t": "v"})
    tracking.flush()  # finish() only queued the last writes
    path = Spool(spool_dir).path_for(run.id)
    # Make the overwrite a refused write: without overwrite the store answers Conflict.
    lines = path.read_text().splitlines()
    lines = [line.replace('"overwrite":true', '"overwrite":false') for line in lines]
    path.write_text("".join(line + "\n" for line in lines))
    done = subprocess.run(
        [sys.executable, "-m", "runway.cli", "sync", "--spool-dir", str(spool_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rejected = spool_dir / "rejected" / f"{run.id}.jsonl"
    assert "1 refused" in done.stdout and str(rejected) in done.stdout, done.stdout
    assert len(rejected.read_text().splitlines()) == 1
    with runway.Client(sqlite_uri) as client:
        stored = client.get_run(run.id)
        assert stored.status.value == "finished" and stored.params == {"lr": 0.1}
        assert stored.tags == {"t": "v"}
        assert client.get_metric_history(run.id, "x").values == [1.0, 2.0]


def _key_and_depth_calls(run: runway.Run, uri: str, bad: str, deep: dict) -> list[Any]:
    return [
        lambda: run.log_params({bad: 1}),
        lambda: run.log_params({"nested": {bad: 1}}),
        lambda: run.set_tags({bad: "v"}),
        lambda: run.log({bad: 1.0}),
        lambda: run.log_params(deep),
        lambda: runway.init(project="p", tracking_uri=uri, params=deep, capture=False),
        lambda: runway.init(project="p", tracking_uri=uri, tags={bad: "v"}, capture=False),
    ]


def test_keys_that_are_not_utf8_and_deep_params_are_refused_alike_by_every_store(
    sqlite_uri: str, live_server, spool_dir: Path
) -> None:
    """One rule: a value that is not UTF-8 is stored escaped; a key (param, tag, metric) is
    refused at the call, in the same words, whatever the store; params nest at most 32 deep."""
    from runway_core.errors import InvalidInput
    from runway_core.validation import MAX_PARAM_DEPTH, key_not_utf8

    bad = os.fsdecode(b"k\xff")  # what Python makes of a byte that is not UTF-8
    deep: dict = {"x": 1}
    for _ in range(500):
        deep = {"a": deep}
    seen: dict[str, list[tuple[str | None, str]]] = {}
    for uri in (sqlite_uri, live_server.url):
        run = runway.init(project="p", tracking_uri=uri, capture=False)
        seen[uri] = []
        for call in _key_and_depth_calls(run, uri, bad, deep):
            with pytest.raises(InvalidInput) as info:
                call()
            seen[uri].append((info.value.field, info.value.message))
        run.log_params({"file": bad})  # a value: stored escaped
        run.set_tags({"file": bad})
        run.finish()
        tracking.flush()
        with runway.Client(uri) as client:
            stored = client.get_run(run.id)
            assert stored.params == {"file": "k\\xff"} and stored.tags == {"file": "k\\xff"}
            assert stored.metrics == {}
    assert seen[sqlite_uri] == seen[live_server.url]
    fields = [f for f, _ in seen[sqlite_uri]]
    assert fields[:4] == ["params.k\\udcff", "params.nested.k\\udcff", "tags.k\\udcff",
                          "metrics.k\\udcff"]  # fmt: skip
    for field, message in seen[sqlite_uri][:4]:
        assert message == key_not_utf8(str(field)).message
    assert fields[4] == fields[5] == "params" + ".a" * MAX_PARAM_DEPTH
    assert runway.active_run() is None
    assert Spool(spool_dir).files() == [] and not (spool_dir / "rejected").exists()
