"""Run and Compare pages through AppTest on a seeded database, including error states."""

from __future__ import annotations

from tests.ui.helpers import codes, errors, figures, no_exception, table, traces


def test_run_page_header_params_curves_artifacts(seeded, open_page) -> None:
    at = open_page("run", run=seeded.runs["svm-b"])
    no_exception(at)
    assert [t.value for t in at.title] == ["svm-b"]
    markdown = "\n".join(m.value for m in at.markdown)
    assert "finished" in markdown
    assert "https://github.com/org/digits/commit/0123456789abcdef0123" in markdown
    assert "python train.py --name svm-b" in codes(at)
    summary = next(d.value for d in at.dataframe if "metric" in d.value.columns)
    assert summary.set_index("metric").loc["val_acc", "last"] == 0.9
    params = next(d.value for d in at.dataframe if "param" in d.value.columns)
    assert dict(zip(params["param"], params["value"], strict=True)) == {"C": "1.0", "kernel": "rbf"}
    curves = {f["layout"]["title"]["text"]: f for f in figures(at)}
    assert traces(curves["val_acc"])["svm-b"]["y"] == [0.7, 0.8, 0.9]
    assert traces(curves["val_acc"])["svm-b"]["x"] == [1, 2, 3]
    # The artifacts tab previews the first file, the config.
    assert any('"kernel": "rbf"' in c for c in codes(at))
    assert "config.json" in markdown and "model.bin" in markdown


def test_run_page_smoothing_and_time_axis(seeded, open_page) -> None:
    at = open_page("run", run=seeded.runs["svm-b"])
    at.slider(key="run_curves_smooth").set_value(0.5).run()
    no_exception(at)
    fig = next(f for f in figures(at) if f["layout"]["title"]["text"] == "val_acc")
    smoothed, raw = traces(fig)["svm-b"], traces(fig)["svm-b (raw)"]
    assert raw["y"] == [0.7, 0.8, 0.9]
    assert smoothed["y"][0] == 0.7 and smoothed["y"][2] < 0.9
    at.radio(key="run_curves_x").set_value("time (s)").run()
    fig = next(f for f in figures(at) if f["layout"]["title"]["text"] == "val_acc")
    assert fig["layout"]["xaxis"]["title"]["text"] == "seconds since first point"


def test_run_page_reproduction_shows_the_git_diff(seeded, open_page) -> None:
    at = open_page("run", run=seeded.runs["svm-a"])
    no_exception(at)
    assert any("+x = 2" in c for c in codes(at))
    assert any(e.label.startswith("Uncommitted changes") for e in at.expander)


def test_running_run_refreshes_itself(seeded, open_page) -> None:
    at = open_page("run", run=seeded.runs["mlp-live"])
    no_exception(at)
    assert "running" in "\n".join(m.value for m in at.markdown)
    from runway.ui import widgets
    from runway_core.store.sql import SqlStore

    store = SqlStore(seeded.uri)
    run = store.get_run(seeded.runs["mlp-live"])
    assert widgets.live_every([run]) == widgets.LIVE_REFRESH_SECONDS
    # The curves sit in a fragment with that timer; its next run shows the new point.
    from runway_core.schemas import MetricBatch, MetricSeriesIn

    store.log_metrics(
        run.id, MetricBatch(metrics={"val_acc": MetricSeriesIn(steps=[3], values=[0.6])})
    )
    store.close()
    at.run()
    fig = next(f for f in figures(at) if f["layout"]["title"]["text"] == "val_acc")
    assert traces(fig)["mlp-live"]["y"] == [0.2, 0.4, 0.6]


def test_unknown_run_is_a_clear_message(seeded, open_page) -> None:
    at = open_page("run", run="0" * 32)
    no_exception(at)
    assert errors(at) == [f"Run {'0' * 32!r} not found."]


def test_compare_side_by_side_with_differences(seeded, open_page) -> None:
    a, c = seeded.runs["svm-a"], seeded.runs["svm-c"]
    at = open_page("compare", project="digits", runs=f"{a},{c}")
    no_exception(at)
    frame = table(at, 0).set_index("field")
    assert frame.loc["C", "svm-a"] == "0.1" and frame.loc["C", "svm-c"] == "10"
    assert frame.loc["kernel", "svm-c"] == "linear"
    # Only differences: the identical git commit row goes, the differing params stay.
    at.toggle(key="only_differences").set_value(True).run()
    only = table(at, 0)
    assert "git commit" not in only["field"].tolist()
    assert {"C", "kernel", "name", "command"} <= set(only["field"])
    artifacts = table(at, 1).set_index("path")
    assert artifacts.loc["config.json", "state"] == "differs"
    assert artifacts.loc["runway/git.diff", "state"] == "missing"
    (diff,) = [t for t in codes(at) if "config.json" in t]
    lines = diff.splitlines()
    assert '-    "C": 0.1,' in lines and '+    "C": 10.0,' in lines
    assert '-    "kernel": "rbf"' in lines and '+    "kernel": "linear"' in lines


def test_compare_curves_overlaid_and_side_by_side(seeded, open_page) -> None:
    a, m = seeded.runs["svm-a"], seeded.runs["mlp-a"]  # different experiments
    at = open_page("compare", project="digits", runs=f"{a},{m}")
    no_exception(at)
    overlay, side = figures(at)[-2:]
    assert sorted(t["name"] for t in overlay["data"]) == ["mlp-a", "svm-a"]
    assert [t["xaxis"] for t in side["data"]] == ["x", "x2"]
    frame = table(at, 0).set_index("field")
    assert frame.loc["experiment", "svm-a"] == "svm" and frame.loc["experiment", "mlp-a"] == "mlp"


def test_compare_with_an_unknown_run_names_it(seeded, open_page) -> None:
    at = open_page("compare", project="digits", runs=f"{seeded.runs['svm-a']},missing-run")
    no_exception(at)
    assert errors(at) and "'missing-run'" in errors(at)[0]


def test_compare_with_one_run_asks_for_more(seeded, open_page) -> None:
    at = open_page("compare", project="digits", runs=seeded.runs["svm-a"])
    no_exception(at)
    assert any("two or more runs" in i.value for i in at.info)
    picker = at.multiselect(key="compare_runs")
    picker.set_value([seeded.runs["svm-a"], seeded.runs["mlp-a"]]).run()
    no_exception(at)
    assert len(table(at, 0).columns) == 4  # section, field and the two runs


def test_run_page_previews_an_image_artifact(seeded, open_page) -> None:
    at = open_page("run", run=seeded.runs["svm-b"])
    at.selectbox(key="run_artifacts_preview").set_value("plots/confusion.png").run()
    no_exception(at)
    assert len(at.image) == 1
    assert "plots/" in "\n".join(m.value for m in at.markdown)  # the folder in the tree
