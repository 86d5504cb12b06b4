"""Plotly figures of the Sweeps page: the best value so far over trials."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go


def best_so_far_figure(frame: pd.DataFrame, metric: str, goal: str) -> go.Figure:
    """Each finished trial's value (points) and the best so far (a step line), by trial."""
    arrow = "↓" if goal == "min" else "↑"
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=list(frame["trial"]),
            y=list(frame["value"]),
            mode="markers",
            name=metric,
            text=list(frame["name"]),
            hovertemplate="trial %{x}: %{y:.4g}<br>%{text}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=list(frame["trial"]),
            y=list(frame["best"]),
            mode="lines",
            line={"shape": "hv", "width": 3},
            name=f"best so far {arrow}",
        )
    )
    fig.update_xaxes(title_text="trial")
    fig.update_yaxes(title_text=metric)
    fig.update_layout(
        title={"text": f"Best {metric} so far"},
        margin={"l": 40, "r": 20, "t": 60, "b": 40},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig
