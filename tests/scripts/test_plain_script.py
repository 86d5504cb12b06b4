"""A plain script with the five-line instrumentation, run as a user runs it, on the embedded
default and on a real ``runway server``."""

from __future__ import annotations

from pathlib import Path

import pytest

import runway
from tests.scripts.conftest import run_script

TRAIN = """
    import runway

    params = {"C": 1.0, "kernel": "rbf", "opt": {"lr": 0.01}}
    run = runway.init(project="digits", experiment="svm", params=params, tags={"stage": "dev"})
    for epoch in range(200):
        run.log({"loss": 1.0 / (epoch + 1), "acc": epoch / 200})
    run.log_params({"epochs": 200}); run.set_tags({"note": "baseline"})
    run.finish()
    with runway.init(project="digits", experiment="mlp") as run2:
        runway.log({"acc": 0.95})
    print(run.id, run2.id)
"""


def _check(client: runway.Client, run_ids: list[str]) -> None:
    svm, mlp = (client.get_run(r) for r in run_ids)
    assert svm.status.value == "finished" and mlp.status.value == "finished"
    assert svm.params == {"C": 1.0, "kernel": "rbf", "opt.lr": 0.01, "epochs": 200}
    assert svm.tags == {"stage": "dev", "note": "baseline"}
    assert svm.metrics["acc"].count == 200 and svm.metrics["loss"].last == pytest.approx(1 / 200)
    history = client.get_metric_history(svm.id, "loss")
    assert history.steps == list(range(200))
    found = client.search_runs(
        project="digits",
        filter="metrics.acc > 0.9 or params.kernel = 'rbf'",
        order_by=["metrics.acc desc"],
    )
    assert [r.id for r in found] == [svm.id, mlp.id]  # last acc: 0.995 then 0.95
    assert {e.name for e in client.list_experiments("digits")} == {"svm", "mlp"}


def test_plain_script_on_the_embedded_default(tmp_path: Path, live_server_factory) -> None:
    done = run_script(tmp_path / "train.py", TRAIN, env={"RUNWAY_SILENT": "true"})
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no warnings on the happy path
    run_ids = done.stdout.split()
    db = tmp_path / "runway.db"
    assert db.exists()  # ./runway.db beside where the script ran, no server involved
    with runway.Client(f"sqlite:///{db}") as client:
        _check(client, run_ids)
        assert {a.path for a in client.list_artifacts(run_ids[0])} >= {"repro/train.py"}
    # The same file, served later by `runway server`, shows the same runs.
    server = live_server_factory(backend_uri=f"sqlite:///{db}")
    with runway.Client(server.url) as client:
        _check(client, run_ids)


def test_plain_script_on_a_server(tmp_path: Path, live_server) -> None:
    done = run_script(tmp_path / "train.py", TRAIN, env={"RUNWAY_TRACKING_URI": live_server.url})
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "runway.db").exists()
    with runway.Client(live_server.url) as client:
        _check(client, done.stdout.split())
