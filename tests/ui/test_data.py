"""Data shaping for the pages: tables, comparison, artifact matching, smoothing, links."""

from __future__ import annotations

import math

from runway.ui import data, files
from runway_core.schemas import ArtifactPublic, MetricSummaryPublic, RunPublic


def _run(run_id: str, name: str, params: dict, acc: float | None, **kw: object) -> RunPublic:
    metrics = {}
    if acc is not None:
        metrics["acc"] = MetricSummaryPublic(
            last=acc, last_step=9, last_timestamp=0, min=acc / 2, max=acc, count=10
        )
    return RunPublic(
        id=run_id.ljust(32, "0"),
        experiment_id="e" * 32,
        project_id="p" * 32,
        name=name,
        created_at=0,
        updated_at=0,
        params=params,
        metrics=metrics,
        start_time=1_000,
        end_time=66_000,
        **kw,
    )


def _artifact(run: RunPublic, path: str, sha: str, size: int = 10) -> ArtifactPublic:
    return ArtifactPublic(
        id=sha, run_id=run.id, created_at=0, path=path, size=size, sha256=sha, uri=f"sha256:{sha}"
    )


def test_runs_frame_has_params_and_metric_columns() -> None:
    runs = [
        _run("a", "svm-1", {"C": 1.0, "opt": {"lr": 1}}, 0.9),
        _run("b", "svm-2", {"C": 10.0}, None),
    ]
    frame = data.runs_frame(runs)
    assert list(frame.columns) == [
        "id",
        "name",
        "status",
        "start",
        "duration",
        "params.C",
        "params.opt",
        "metrics.acc",
    ]
    assert frame["duration"].tolist() == ["1m 05s", "1m 05s"]
    assert frame["params.C"].tolist() == [1.0, 10.0]
    assert frame["metrics.acc"].iloc[0] == 0.9 and math.isnan(frame["metrics.acc"].iloc[1])


def test_compare_frame_marks_differences_and_filters_them() -> None:
    runs = [
        _run("a", "one", {"C": 1.0, "kernel": "rbf"}, 0.9, git_commit="abc"),
        _run("b", "two", {"C": 10.0, "kernel": "rbf"}, 0.8, git_commit="abc"),
    ]
    frame = data.compare_frame(runs)
    rows = {(r.section, r.field): r for r in frame.itertuples()}
    assert rows[("params", "C")].differs
    assert not rows[("params", "kernel")].differs
    assert not rows[("attributes", "git commit")].differs
    assert rows[("metrics", "acc (last)")].differs
    diff_only = data.only_differences(frame)
    assert ("params", "kernel") not in set(
        zip(diff_only["section"], diff_only["field"], strict=True)
    )
    assert list(frame.columns[2:4]) == ["one", "two"]


def test_compare_frame_leaves_out_fields_blank_in_every_run() -> None:
    runs = [_run("a", "one", {"C": 1.0}, 0.9), _run("b", "two", {"C": 2.0}, None)]
    fields = set(data.compare_frame(runs)["field"])
    assert "git commit" not in fields and "host" not in fields  # never captured by either run
    assert {"name", "C", "acc (last)"} <= fields  # blank in one run only: kept


def test_unique_labels_when_names_repeat() -> None:
    runs = [_run("a", "same", {}, None), _run("b", "same", {}, None)]
    assert data.unique_labels(runs) == ["same", "same (b00000)"]


def test_match_artifacts_by_path() -> None:
    a, b = _run("a", "one", {}, None), _run("b", "two", {}, None)
    listings = [
        [
            _artifact(a, "config.json", "1"),
            _artifact(a, "model.pkl", "2"),
            _artifact(a, "x.txt", "3"),
        ],
        [_artifact(b, "config.json", "9"), _artifact(b, "model.pkl", "2")],
    ]
    frame = data.match_artifacts([a, b], listings)
    assert dict(zip(frame["path"], frame["state"], strict=True)) == {
        "config.json": "differs",
        "model.pkl": "same",
        "x.txt": "missing",
    }
    assert frame.set_index("path").loc["x.txt", "two"] == "—"


def test_artifact_tree_lists_folders_before_their_files() -> None:
    run = _run("a", "one", {}, None)
    arts = [
        _artifact(run, "b.txt", "1"),
        _artifact(run, "src/pkg/m.py", "2"),
        _artifact(run, "src/a.py", "3"),
    ]
    rows = [(depth, name) for depth, name, _ in data.artifact_tree(arts)]
    assert rows == [(0, "b.txt"), (0, "src/"), (1, "a.py"), (1, "pkg/"), (2, "m.py")]


def test_smooth_is_debiased_and_keeps_gaps() -> None:
    assert data.smooth([1.0, 1.0, 1.0], 0.9) == [1.0, 1.0, 1.0]
    out = data.smooth([0.0, None, 10.0], 0.5)
    assert out[1] is None and out[0] == 0.0
    assert abs(out[2] - 10 * 0.5 / (1 - 0.25)) < 1e-9
    assert data.smooth([1.0, 2.0], 0.0) == [1.0, 2.0]


def test_formatting_helpers() -> None:
    assert data.fmt_duration(0, 4_200) == "4.2s"
    assert data.fmt_duration(0, 3_725_000) == "1h 02m"
    assert data.fmt_duration(0, None) == ""
    assert data.fmt_duration(0, None, now_ms=2_000) == "2.0s"
    assert data.human_size(2048) == "2.0 KiB"
    assert files.artifact_role("runway/git.diff") == "diff"
    assert files.artifact_role("repro/requirements.txt") == "packages"
    assert files.artifact_role("repro/train.py") == "source"
    assert files.artifact_role("model.py") == "other"
    assert files.language_for("config.yaml") == "yaml"


def test_varying_columns_skips_constants() -> None:
    runs = [
        _run("a", "x", {"C": 1.0, "k": "rbf", "e": 30}, 0.9),
        _run("b", "y", {"C": 2.0, "k": "rbf", "e": 30}, 0.8),
    ]
    frame = data.runs_frame(runs)
    assert data.varying_columns(frame, ["params.C", "params.k", "params.e", "nope"]) == ["params.C"]
