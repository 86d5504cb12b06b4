"""Page parts shared by the run and compare pages: learning curves and artifact previews."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from runway.ui import charts, data, files
from runway.ui.session import HISTORY_POINTS
from runway_core.schemas import ArtifactPublic, RunPublic

LIVE_REFRESH_SECONDS = 2.0


def curve_controls(keys: Sequence[str], *, key: str, default: Sequence[str] = ()) -> dict[str, Any]:
    """Metric choice, x axis (step or wall-clock time) and smoothing weight."""
    a, b, c = st.columns([3, 1, 1])
    chosen = a.multiselect(
        "Metrics",
        list(keys),
        default=[k for k in default if k in keys] or list(keys[:4]),
        key=f"{key}_metrics",
    )
    x_axis = b.radio("x axis", ["step", "time (s)"], horizontal=True, key=f"{key}_x")
    weight = c.slider("Smoothing", 0.0, 0.99, 0.0, 0.01, key=f"{key}_smooth")
    return {"metrics": chosen, "x_axis": x_axis, "smoothing": weight}


def load_curves(
    client: Any, runs: Sequence[RunPublic], metric: str, *, x_axis: str, smoothing: float
) -> list[charts.Curve]:
    """Server-downsampled histories of one metric for each run that has it."""
    labels = data.unique_labels(runs)
    curves = []
    for label, run in zip(labels, runs, strict=True):
        if metric not in run.metrics:
            continue
        series = client.get_metric_history(run.id, metric, max_points=HISTORY_POINTS)
        x = series.steps if x_axis == "step" else data.relative_seconds(series.timestamps)
        values = list(series.values)
        if smoothing > 0:
            curves.append(charts.Curve(label, x, data.smooth(values, smoothing), raw_y=values))
        else:
            curves.append(charts.Curve(label, x, values))
    return curves


def live_every(runs: Sequence[RunPublic]) -> float | None:
    """Refresh interval for parts showing a running run; ``None`` once every run has ended."""
    running = any(data.status_label(r.status) in ("running", "queued") for r in runs)
    return LIVE_REFRESH_SECONDS if running else None


def artifact_tree(client: Any, run: RunPublic, *, key: str) -> None:
    """An indented tree of a run's artifacts; picking a file previews it and offers a download."""
    artifacts = client.list_artifacts(run.id)
    if not artifacts:
        st.caption("No artifacts. Log some with `run.log_artifact(path)`.")
        return
    left, right = st.columns([1, 2])
    lines = []
    for depth, name, art in data.artifact_tree(artifacts):
        indent = "\u2003" * depth
        if art is None:
            lines.append(f"{indent}:material/folder: **{name}**")
        elif art.kind == "link":
            lines.append(f"{indent}:material/link: {name} → `{art.uri}`")
        else:
            lines.append(f"{indent}:material/description: {name} · {data.human_size(art.size)}")
    left.markdown("  \n".join(lines))
    files = [a for a in artifacts if a.kind != "link"]
    if not files:
        return
    by_path = {a.path: a for a in files}
    with right:
        path = st.selectbox("Preview", list(by_path), key=f"{key}_preview")
        artifact_preview(client, run.id, by_path[path], key=key)


def artifact_preview(client: Any, run_id: str, art: ArtifactPublic, *, key: str) -> None:
    if files.is_image(art.path, art.media_type):
        with client.open_artifact(run_id, art.path) as fh:
            st.image(fh.read(), caption=art.path)
    elif art.kind == "archive":
        members = client.list_archive(run_id, art.path)
        st.dataframe(
            [{"name": m.name, "size": data.human_size(m.size)} for m in members], hide_index=True
        )
    else:
        preview = client.preview_artifact(run_id, art.path)
        if preview.is_text and preview.text is not None:
            st.code(preview.text, language=files.language_for(art.path), line_numbers=True)
            if preview.truncated:
                st.caption("Preview truncated; download the file for the rest.")
        else:
            st.caption(
                f"Binary file ({data.human_size(art.size)}, {art.media_type or 'unknown type'})."
            )

    def _bytes() -> bytes:
        with client.open_artifact(run_id, art.path) as fh:
            return bytes(fh.read())

    st.download_button(
        "Download",
        data=_bytes,
        file_name=art.path.rsplit("/", 1)[-1],
        mime=art.media_type or "application/octet-stream",
        key=f"{key}_download_{art.path}",
        on_click="ignore",
    )
