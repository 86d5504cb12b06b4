"""Chart builders: the traces, axes and values each figure carries, without Streamlit."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from runway.ui import charts


def _experiments() -> pd.DataFrame:
    # Deliberately out of creation order: the figure must sort by created_at.
    return pd.DataFrame(
        {
            "experiment": ["mlp", "svm", "forest"],
            "created_at": [2000, 1000, 3000],
            "runs": [4, 9, 3],
            "best": [0.97, 0.99, None],
            "mean": [0.95, 0.80, 0.90],
            "last": [0.96, 0.85, 0.91],
        }
    )


def test_project_figure_has_line_on_primary_and_bars_on_secondary_axis() -> None:
    fig = charts.project_figure(_experiments(), "val_acc", "best")
    bar, line = fig.data
    assert bar.type == "bar" and line.type == "scatter"
    assert list(bar.x) == ["svm", "mlp", "forest"]  # creation order
    assert list(bar.y) == [9, 4, 3]
    assert list(line.y) == [0.99, 0.97, None]  # a missing value is a gap, not zero
    assert bar.yaxis == "y2" and line.yaxis == "y"
    assert fig.layout.yaxis2.title.text == "runs"
    assert fig.layout.yaxis.title.text == "best val_acc"


def test_project_figure_switches_aggregate_and_rejects_unknown() -> None:
    fig = charts.project_figure(_experiments(), "val_acc", "mean")
    assert list(fig.data[1].y) == [0.80, 0.95, 0.90]
    with pytest.raises(ValueError, match="aggregate"):
        charts.project_figure(_experiments(), "val_acc", "median")


def _runs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["a", "b", "c", "d"],
            "params.C": [0.1, 1.0, 10.0, 100.0],
            "params.kernel": ["rbf", "rbf", "linear", "linear"],
            "metrics.acc": [0.5, 0.8, 0.9, float("nan")],
        }
    )


def test_scatter_colours_by_category_with_one_trace_per_value() -> None:
    fig = charts.scatter_figure(_runs(), "params.C", "metrics.acc", "params.kernel")
    names = sorted(t.name for t in fig.data)
    assert names == ["params.kernel=linear", "params.kernel=rbf"]
    total = sum(len(t.x) for t in fig.data)
    assert total == 3  # the run without a value is left out
    assert fig.layout.xaxis.type == "log"  # C spans three decades


def test_scatter_colours_by_number_with_a_scale() -> None:
    frame = _runs().assign(**{"params.gamma": [0.01, 0.1, 1.0, 1.0]})
    fig = charts.scatter_figure(frame, "params.C", "metrics.acc", "params.gamma")
    (trace,) = fig.data
    assert trace.marker.showscale is True
    assert list(trace.marker.color) == [0.01, 0.1, 1.0]
    assert list(trace.text) == ["a", "b", "c"]


def test_parallel_maps_text_params_to_labelled_axes() -> None:
    fig = charts.parallel_figure(
        _runs(), ["params.C", "params.kernel", "metrics.acc"], "metrics.acc"
    )
    (trace,) = fig.data
    dims = {d.label: d for d in trace.dimensions}
    assert list(dims["params.kernel"].ticktext) == ["linear", "rbf"]
    assert list(dims["params.kernel"].values) == [1, 1, 0]
    assert list(dims["metrics.acc"].values) == [0.5, 0.8, 0.9]
    assert list(trace.line.color) == [0.5, 0.8, 0.9]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0.1, 1.0, 10.0], True),  # the demo's C: exactly two decades
        ([0.001, 0.01, 0.1], True),  # the demo's gamma
        ([3e-06, 0.0003], True),  # a ratio of 99.99999999999999 in floats
        ([1, 10, 100, 1000], True),  # integers too
        ([0.1, None, float("nan"), 10.0], True),  # missing values are ignored
        ([0.1, 1.0, 9.9], False),  # under two decades
        ([0.0, 0.1, 10.0], False),  # zero cannot be drawn on a log axis
        ([-10.0, -0.1], False),
        ([0.1, "rbf", 10.0], False),
        ([True, False], False),
        ([5.0], False),
        ([], False),
        ([None, float("nan")], False),
    ],
)
def test_use_log_axis_when_positive_values_span_two_decades(values, expected) -> None:
    assert charts.use_log_axis(values) is expected
    assert charts.use_log_axis(pd.Series(values, dtype=object)) is expected


def test_scatter_axis_is_linear_for_a_narrow_or_non_positive_range() -> None:
    frame = _runs().assign(**{"params.lr": [0.5, 1.0, 2.0, 3.0], "params.shift": [0, 1, 10, 100]})
    assert charts.scatter_figure(frame, "params.lr", "metrics.acc").layout.xaxis.type is None
    assert charts.scatter_figure(frame, "params.shift", "metrics.acc").layout.xaxis.type is None
    gamma = frame.assign(**{"params.gamma": [0.001, 0.01, 0.1, 0.1]})
    assert charts.scatter_figure(gamma, "params.gamma", "metrics.acc").layout.xaxis.type == "log"


def test_parallel_draws_a_decade_spanning_param_as_log10_with_original_labels() -> None:
    frame = _runs().assign(**{"params.gamma": [0.001, None, 0.1, 1.0], "params.lr": [1, 2, 3, 4]})
    fig = charts.parallel_figure(
        frame, ["params.C", "params.gamma", "params.lr", "metrics.acc"], "metrics.acc"
    )
    dims = {d.label: d for d in fig.data[0].dimensions}
    c, gamma = dims["params.C"], dims["params.gamma"]
    # The run without metrics.acc is dropped (and does not count); C 0.1, 1, 10 become -1, 0, 1.
    assert list(c.values) == pytest.approx([-1.0, 0.0, 1.0])
    assert list(c.tickvals) == pytest.approx([-1.0, 0.0, 1.0])
    assert list(c.ticktext) == ["0.1", "1", "10"]
    assert list(gamma.values)[1] is None  # a missing value stays a gap
    assert [list(gamma.values)[i] for i in (0, 2)] == pytest.approx([-3.0, -1.0])
    assert list(gamma.ticktext) == ["0.001", "0.1"]
    assert dims["params.lr"].ticktext is None and list(dims["params.lr"].values) == [1, 2, 3]
    assert dims["metrics.acc"].ticktext is None  # the colour metric keeps its own scale


def test_parallel_log_axis_of_many_values_is_labelled_at_powers_of_ten() -> None:
    lrs = [10 ** (-4 + i * 0.4) for i in range(12)]  # 1e-4 … ~2.5, a random search
    frame = pd.DataFrame({"name": list("abcdefghijkl"), "params.lr": lrs, "metrics.acc": 0.5})
    fig = charts.parallel_figure(frame, ["params.lr", "metrics.acc"], "metrics.acc")
    lr = fig.data[0].dimensions[0]
    assert list(lr.ticktext) == ["0.0001", "0.001", "0.01", "0.1", "1"]
    assert list(lr.tickvals) == pytest.approx([-4, -3, -2, -1, 0])
    assert list(lr.values) == pytest.approx([-4 + i * 0.4 for i in range(12)])


def test_curves_overlaid_and_side_by_side() -> None:
    curves = [
        charts.Curve("run-a", [1, 2, 3], [0.5, 0.4, 0.3]),
        charts.Curve("run-b", [1, 2, 3], [0.6, None, 0.2], raw_y=[0.6, None, 0.1]),
    ]
    overlay = charts.curves_figure(curves, "loss")
    visible = [t for t in overlay.data if t.showlegend is not False]
    assert [t.name for t in visible] == ["run-a", "run-b"]
    assert any(t.name == "run-b (raw)" for t in overlay.data)
    assert overlay.layout.yaxis.title.text == "loss"

    side = charts.curves_side_by_side(curves, "loss")
    assert [t.xaxis for t in side.data] == ["x", "x2"]
    assert [a.text for a in side.layout.annotations] == ["run-a", "run-b"]
    assert list(side.data[1].y)[1] is None or math.isnan(list(side.data[1].y)[1])
