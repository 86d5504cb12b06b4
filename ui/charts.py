"""Plotly figures of the dashboard, as pure functions of plain data (testable without Streamlit)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

AGGREGATES = ("best", "mean", "last")
LOG_AXIS_RATIO = 100.0  # two decades or more, as the demo's C in {0.1, 1, 10}, get a log axis
LOG_TICKS_DISTINCT = 8  # up to this many distinct values each get a tick; else powers of ten


@dataclass
class Curve:
    """One learning curve: a label (run name) and parallel x / y arrays."""

    label: str
    x: Sequence[float | int]
    y: Sequence[float | None]
    raw_y: Sequence[float | None] | None = None  # unsmoothed values, drawn faintly behind
    meta: dict[str, str] = field(default_factory=dict)


def project_figure(experiments: pd.DataFrame, metric: str, aggregate: str = "best") -> go.Figure:
    """The paper's figure 2: per experiment (creation order) a metric line and a run-count bar.

    ``experiments`` has columns ``experiment``, ``created_at``, ``runs`` and one column per
    aggregate (``best``, ``mean``, ``last``).
    """
    if aggregate not in AGGREGATES:
        raise ValueError(f"aggregate must be one of {AGGREGATES}, not {aggregate!r}")
    frame = experiments.sort_values("created_at", kind="stable")
    names = list(frame["experiment"])
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Bar(
            x=names,
            y=list(frame["runs"]),
            name="runs",
            opacity=0.35,
            marker_color="#7f8c8d",
            hovertemplate="%{x}<br>%{y} runs<extra></extra>",
        ),
        secondary_y=True,
    )
    fig.add_trace(
        go.Scatter(
            x=names,
            y=[_num(v) for v in frame[aggregate]],
            name=f"{aggregate} {metric}",
            mode="lines+markers",
            line={"width": 3},
            connectgaps=False,
            hovertemplate="%{x}<br>%{y:.4g}<extra>" + f"{aggregate} {metric}</extra>",
        ),
        secondary_y=False,
    )
    fig.update_yaxes(title_text=f"{aggregate} {metric}", secondary_y=False)
    most = int(frame["runs"].max()) if len(frame) else 1
    fig.update_yaxes(
        title_text="runs",
        secondary_y=True,
        showgrid=False,
        rangemode="tozero",
        dtick=max(1, -(-most // 5)),  # whole runs, about five ticks
    )
    fig.update_xaxes(title_text="experiment (creation order)", type="category")
    return _layout(fig, title=f"{aggregate.capitalize()} {metric} and runs per experiment")


def scatter_figure(runs: pd.DataFrame, x: str, y: str, color: str | None = None) -> go.Figure:
    """The paper's figure 3: a metric against a hyperparameter for all runs, coloured by a field.

    ``runs`` has a ``name`` column and the ``x``/``y``/``color`` columns. A numeric colour field
    gets a colour scale; any other gets one trace per value so the legend names them.
    """
    frame = runs.dropna(subset=[x, y])
    fig = go.Figure()
    if color and color in frame and _is_numeric(frame[color]):
        fig.add_trace(
            go.Scatter(
                x=list(frame[x]),
                y=list(frame[y]),
                mode="markers",
                name=y,
                text=list(frame["name"]),
                marker={
                    "size": 10,
                    "color": [_num(v) for v in frame[color]],
                    "colorscale": "Viridis",
                    "showscale": True,
                    "colorbar": {"title": {"text": color}},
                },
                hovertemplate=f"%{{text}}<br>{x}=%{{x}}<br>{y}=%{{y:.4g}}<extra></extra>",
            )
        )
    elif color and color in frame:
        for value, group in frame.groupby(frame[color].astype(str), sort=True):
            fig.add_trace(
                go.Scatter(
                    x=list(group[x]),
                    y=list(group[y]),
                    mode="markers",
                    name=f"{color}={value}",
                    text=list(group["name"]),
                    marker={"size": 10},
                    hovertemplate=f"%{{text}}<br>{x}=%{{x}}<br>{y}=%{{y:.4g}}<extra></extra>",
                )
            )
    else:
        fig.add_trace(
            go.Scatter(
                x=list(frame[x]),
                y=list(frame[y]),
                mode="markers",
                name=y,
                text=list(frame["name"]),
                marker={"size": 10},
            )
        )
    if use_log_axis(frame[x]):
        fig.update_xaxes(type="log", dtick=1)  # ticks at powers of ten only
    fig.update_xaxes(title_text=x)
    fig.update_yaxes(title_text=y)
    return _layout(fig, title=f"{y} vs {x}", legend=len(fig.data) > 1)


def parallel_figure(runs: pd.DataFrame, dimensions: Sequence[str], color: str) -> go.Figure:
    """Parallel coordinates of params → metric; text columns become labelled integer axes.

    A numeric axis other than ``color`` whose values span decades (``use_log_axis``) is drawn
    as log10 of its values, its ticks labelled with the original values.
    """
    frame = runs.dropna(subset=[color]) if color in runs else runs
    dims = []
    for col in dimensions:
        if col not in frame:
            continue
        values = frame[col]
        if col != color and use_log_axis(values):
            nums = [_num(v) for v in values]
            tickvals, ticktext = _log_ticks([n for n in nums if n is not None])
            dims.append(
                {
                    "label": col,
                    "values": [None if n is None else math.log10(n) for n in nums],
                    "tickvals": tickvals,
                    "ticktext": ticktext,
                }
            )
        elif _is_numeric(values):
            dims.append({"label": col, "values": [_num(v) for v in values]})
        else:
            labels = sorted({str(v) for v in values})
            codes = {label: i for i, label in enumerate(labels)}
            dims.append(
                {
                    "label": col,
                    "values": [codes[str(v)] for v in values],
                    "tickvals": list(range(len(labels))),
                    "ticktext": labels,
                }
            )
    line: dict[str, object] = {}
    if color in frame and _is_numeric(frame[color]):
        line = {
            "color": [_num(v) for v in frame[color]],
            "colorscale": "Viridis",
            "showscale": True,
            "colorbar": {"title": {"text": color}},
        }
    fig = go.Figure(go.Parcoords(dimensions=dims, line=line))
    _layout(fig, title=f"Parameters → {color}", legend=False)
    fig.update_layout(margin={"t": 110, "l": 60, "r": 40})  # room for the axis labels on top
    return fig


def curves_figure(curves: Sequence[Curve], metric: str, x_title: str = "step") -> go.Figure:
    """Learning curves of one metric for several runs, overlaid on one axis."""
    fig = go.Figure()
    for i, curve in enumerate(curves):
        colour = _colour(i)
        if curve.raw_y is not None:
            fig.add_trace(
                go.Scatter(
                    x=list(curve.x),
                    y=list(curve.raw_y),
                    mode="lines",
                    opacity=0.25,
                    line={"color": colour, "width": 1},
                    showlegend=False,
                    hoverinfo="skip",
                    name=f"{curve.label} (raw)",
                )
            )
        fig.add_trace(
            go.Scatter(
                x=list(curve.x),
                y=list(curve.y),
                mode="lines",
                name=curve.label,
                line={"color": colour, "width": 2},
                connectgaps=False,
            )
        )
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=metric)
    return _layout(fig, title=metric, legend=len(curves) > 1)


def curves_side_by_side(curves: Sequence[Curve], metric: str, x_title: str = "step") -> go.Figure:
    """The same metric, one panel per run with a shared y axis (figure 4's side-by-side view)."""
    n = max(len(curves), 1)
    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    fig = make_subplots(
        rows=rows,
        cols=cols,
        shared_yaxes=True,
        subplot_titles=[c.label for c in curves] or [metric],
    )
    for i, curve in enumerate(curves):
        fig.add_trace(
            go.Scatter(
                x=list(curve.x),
                y=list(curve.y),
                mode="lines",
                name=curve.label,
                line={"color": _colour(i), "width": 2},
                connectgaps=False,
            ),
            row=i // cols + 1,
            col=i % cols + 1,
        )
    fig.update_xaxes(title_text=x_title)
    fig.update_layout(height=320 * rows)
    return _layout(fig, title=f"{metric}, side by side", legend=False)


def use_log_axis(values: Iterable[object]) -> bool:
    """Whether numbers read better on a log axis: all positive, spanning two decades or more.

    Hyperparameters such as C, gamma or a learning rate are searched on a log grid, and on a
    linear axis all but the largest values crowd at zero. Missing values are ignored; a zero or
    negative value (a log axis cannot draw it), text or a boolean keeps the axis linear.
    """
    present: list[float] = []
    for value in values:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or value <= 0:
            return False
        present.append(float(value))
    # The tolerance keeps 3e-06 → 0.0003 (99.99999999999999 in floats) at two decades.
    return bool(present) and max(present) / min(present) >= LOG_AXIS_RATIO * (1 - 1e-9)


def _log_ticks(positive: Sequence[float]) -> tuple[list[float], list[str]]:
    """Tick positions (log10) and labels (original values) for a log-scaled parcoords axis."""
    distinct = sorted(set(positive))
    if len(distinct) > LOG_TICKS_DISTINCT:  # a random search: label the powers of ten inside
        low, high = math.log10(distinct[0]), math.log10(distinct[-1])
        distinct = [10.0**k for k in range(math.ceil(low - 1e-9), math.floor(high + 1e-9) + 1)]
    return [math.log10(v) for v in distinct], [f"{v:g}" for v in distinct]


def _layout(fig: go.Figure, *, title: str, legend: bool = True) -> go.Figure:
    fig.update_layout(
        title={"text": title},
        margin={"l": 40, "r": 20, "t": 60, "b": 40},
        showlegend=legend,
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


_PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


def _colour(i: int) -> str:
    return _PALETTE[i % len(_PALETTE)]


def _num(value: object) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if number != number else number  # NaN → gap


def _is_numeric(values: pd.Series) -> bool:
    present = values.dropna()
    if present.empty:
        return False
    return bool(present.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool)).all())
