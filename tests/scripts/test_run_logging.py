"""Runs logged in this process against a real SQLite store, read back through ``runway.Client``."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import runway
from runway_core.errors import Conflict, InvalidInput


def test_run_records_params_metrics_tags_and_status(sqlite_uri: str) -> None:
    run = runway.init(
        project="digits",
        experiment="svm",
        params={"C": 1.0, "kernel": "rbf", "opt": {"lr": 0.01}},
        tags={"stage": "dev"},
        tracking_uri=sqlite_uri,
        capture=False,
    )
    assert runway.active_run() is run
    assert run.name and run.name.count("-") == 2  # generated adjective-noun-NN
    for i in range(5):
        run.log({"loss": 1.0 / (i + 1), "acc": i / 10})
    run.log({"acc": 0.9}, step=10)
    runway.log({"loss": 0.1})  # module level acts on the active run; loss step continues at 5
    run.log_params({"epochs": 20})
    run.set_tags({"note": "baseline"})
    run.finish()
    run.finish()  # idempotent
    assert runway.active_run() is None

    with runway.Client(sqlite_uri) as client:
        stored = client.get_run(run.id)
        assert stored.status.value == "finished" and stored.end_time is not None
        assert stored.name == run.name and stored.source.value == "script"
        assert stored.params == {"C": 1.0, "kernel": "rbf", "opt.lr": 0.01, "epochs": 20}
        assert stored.tags == {"stage": "dev", "note": "baseline"}
        loss = client.get_metric_history(run.id, "loss")
        assert loss.steps == [0, 1, 2, 3, 4, 5]
        assert loss.values == pytest.approx([1.0, 0.5, 1 / 3, 0.25, 0.2, 0.1])
        acc = client.get_metric_history(run.id, "acc")
        assert acc.steps == [0, 1, 2, 3, 4, 10]
        runs = client.search_runs(project="digits", filter="metrics.acc > 0.5")
        assert [r.id for r in runs] == [run.id]
        assert runs.next_page_token is None
        frame = runs.to_pandas()
        assert frame.loc[0, "params.kernel"] == "rbf" and frame.loc[0, "metrics.acc"] == 0.9
        assert [p.name for p in client.list_projects()] == ["digits"]
        assert [e.name for e in client.list_experiments("digits")] == ["svm"]
        assert client.get_experiment("digits", "svm").id == stored.experiment_id


def test_nan_is_a_gap_inf_is_nan_and_backward_steps_are_kept(sqlite_uri: str) -> None:
    with runway.init(project="p", experiment="e", tracking_uri=sqlite_uri, capture=False) as run:
        run.log({"x": 1.0}, step=5)
        run.log({"x": math.nan}, step=6)
        run.log({"x": math.inf}, step=7)
        run.log({"x": 2}, step=3)  # backwards: stored as logged
    with runway.Client(sqlite_uri) as client:
        series = client.get_metric_history(run.id, "x")
    assert sorted(zip(series.steps, series.values, strict=True), key=lambda p: p[0]) == [
        (3, 2.0),
        (5, 1.0),
        (6, None),
        (7, None),
    ]


def test_exception_in_with_block_marks_the_run_failed(sqlite_uri: str) -> None:
    with (
        pytest.raises(ZeroDivisionError),
        runway.init(project="p", experiment="e", tracking_uri=sqlite_uri, capture=False) as run,
    ):
        run.log({"loss": 1.0})
        _ = 1 / 0
    with runway.Client(sqlite_uri) as client:
        stored = client.get_run(run.id)
    assert stored.status.value == "failed"
    assert stored.metrics["loss"].last == 1.0


@pytest.mark.parametrize(
    ("metrics", "step", "match"),
    [
        ({"loss": "0.3"}, None, r"metrics.loss: value must be a number, got str"),
        ({"loss": None}, None, r"metrics.loss: value must be a number"),
        ({"loss": [1.0]}, None, r"metrics.loss: value must be a number, got list"),
        ({"bad key!": 1.0}, None, r"illegal characters"),
        ({"": 1.0}, None, r"must not be empty"),
        ({"x" * 300: 1.0}, None, r"limit is 250"),
        ({f"k{i}": 1.0 for i in range(1001)}, None, r"1002 keys in one call; the limit is 1000"),
        ({"loss": 1.0}, 1.5, r"step must be an integer, got float"),
        ([("loss", 1.0)], None, r"metrics must be a dict"),
    ],
)
def test_bad_metrics_raise_at_the_call_and_log_nothing(
    sqlite_uri: str, metrics: object, step: object, match: str
) -> None:
    run = runway.init(project="p", experiment="e", tracking_uri=sqlite_uri, capture=False)
    run.log({"ok": 1.0})
    with pytest.raises(InvalidInput, match=match):
        run.log({"ok": 2.0, **metrics} if isinstance(metrics, dict) else metrics, step=step)  # type: ignore[arg-type]
    run.finish()
    with runway.Client(sqlite_uri) as client:
        assert client.get_metric_history(run.id, "ok").values == [1.0]


def test_bad_params_tags_and_names_raise_at_the_call(sqlite_uri: str) -> None:
    with pytest.raises(InvalidInput, match="NaN and infinity are not allowed"):
        runway.init(project="p", tracking_uri=sqlite_uri, params={"lr": math.nan})
    with pytest.raises(InvalidInput, match="project must be a non-empty string"):
        runway.init(project="  ", tracking_uri=sqlite_uri)
    with pytest.raises(InvalidInput, match="capture: unknown part"):
        runway.init(project="p", tracking_uri=sqlite_uri, capture={"gitt": False})
    run = runway.init(project="p", tracking_uri=sqlite_uri, params={"lr": 0.1}, capture=False)
    with pytest.raises(InvalidInput, match="unsupported value type object"):
        run.log_params({"x": object()})
    with pytest.raises(InvalidInput, match="limit is 1000"):
        run.log_params({f"k{i}": i for i in range(1001)})
    with pytest.raises(InvalidInput, match="longer than 5000"):
        run.set_tags({"note": "x" * 5001})
    with pytest.raises(Conflict, match=r"params\.lr: already 0\.1"):
        run.log_params({"lr": 0.2})
    run.log_params({"lr": 0.2}, overwrite=True)
    run.finish()
    with pytest.raises(runway.RunwayError, match="is finished"):
        run.log({"loss": 1.0})
    with runway.Client(sqlite_uri) as client:
        assert client.get_run(run.id).params == {"lr": 0.2}


def test_disabled_mode_records_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNWAY_MODE", "disabled")
    monkeypatch.chdir(tmp_path)
    with runway.init(project="p", params={"a": 1}) as run:
        run.log({"loss": "not even a number"})
        run.log_params({"b": 2})
        run.set_tags({"t": "v"})
        runway.log({"x": 1.0})
        assert run.log_artifact("missing.txt") is None
    assert run.status == "finished"
    assert list(tmp_path.iterdir()) == []  # no database, no spool, no artifacts


def test_bad_mode_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNWAY_MODE", "sometimes")
    with pytest.raises(InvalidInput, match=r"RUNWAY_MODE: .*'online', 'offline' or 'disabled'"):
        runway.init(project="p")
