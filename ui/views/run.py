"""Run page: header, params, metric summary, learning curves, artifacts and reproduction info."""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import streamlit as st

from runway.ui import charts, data, files, widgets
from runway.ui.session import client, errors_shown, link, param, status_badge
from runway.ui.views import children
from runway_core.schemas import RunPublic


def main() -> None:
    run_id = param("run")
    if not run_id:
        st.title("Run")
        st.info("Open a run from an experiment's runs table, or add `?run=<id>` to the URL.")
        link("projects", "→ Projects")
        return
    with errors_shown():
        show(run_id)


def show(run_id: str) -> None:
    c = client()
    run = c.get_run(run_id)
    project = c.get_project(run.project_id)
    experiment = c.get_experiment(project.id, run.experiment_id)
    link(
        "experiment",
        f"← {project.name} / {experiment.name}",
        project=project.name,
        experiment=experiment.name,
    )
    _header(run)
    children.show_links(run)
    children.show(c, run)
    metrics_tab, params_tab, artifacts_tab, repro_tab = st.tabs(
        ["Metrics", "Params & tags", "Artifacts", "Reproduction"]
    )
    with metrics_tab:
        _metrics(c, run)
    with params_tab:
        _params(run)
    with artifacts_tab:
        widgets.artifact_tree(c, run, key="run_artifacts")
    with repro_tab:
        _reproduction(c, run)


def _header(run: RunPublic) -> None:
    status = data.status_label(run.status)
    st.title(data.run_label(run))
    st.markdown(f"{status_badge(status)} &nbsp; `{run.id}`")
    now = int(time.time() * 1000)
    cells = {
        "Started": data.fmt_time(run.start_time),
        "Ended": data.fmt_time(run.end_time),
        "Duration": data.fmt_duration(run.start_time, run.end_time, now),
        "Source": data.status_label(run.source),
    }
    for col, (label, value) in zip(st.columns(4), cells.items(), strict=True):
        col.markdown(f"**{label}**  \n{value or '—'}")
    facts = []
    if run.user:
        facts.append(f"user **{run.user}**")
    if run.host:
        facts.append(f"host **{run.host}**")
    if run.git_commit:
        url = run.git_url
        commit = f"[`{run.git_commit[:10]}`]({url})" if url else f"`{run.git_commit[:10]}`"
        dirty = " (uncommitted changes)" if run.git_dirty else ""
        facts.append(f"commit {commit}{dirty} on `{run.git_branch or '?'}`")
    if run.source_ids:
        facts.append(", ".join(f"{k} `{v}`" for k, v in run.source_ids.items()))
    if facts:
        st.markdown(" · ".join(facts))
    if run.command:
        st.code(run.command, language="bash", wrap_lines=True)


def _params(run: RunPublic) -> None:
    left, right = st.columns(2)
    left.subheader("Params")
    if run.params:
        left.dataframe(
            pd.DataFrame(
                [{"param": k, "value": str(data.scalar(v))} for k, v in sorted(run.params.items())]
            ),
            hide_index=True,
            key="params_table",
        )
    else:
        left.caption("No params logged.")
    right.subheader("Tags")
    if run.tags:
        right.dataframe(
            pd.DataFrame([{"tag": k, "value": v} for k, v in sorted(run.tags.items())]),
            hide_index=True,
            key="tags_table",
        )
    else:
        right.caption("No tags.")


def _metrics(c: Any, run: RunPublic) -> None:
    if not run.metrics:
        st.caption("No metrics logged yet. `run.log({'loss': 0.5}, step=1)` adds one.")
        return
    controls = widgets.curve_controls(sorted(run.metrics), key="run_curves")

    @st.fragment(run_every=widgets.live_every([run]))
    def live() -> None:
        current = run
        if widgets.live_every([run]):
            current = c.get_run(run.id)
            if not widgets.live_every([current]):
                st.rerun()  # the run ended: redraw the whole page once, without the timer
        summary = pd.DataFrame(
            [
                {
                    "metric": key,
                    "last": s.last,
                    "min": s.min,
                    "max": s.max,
                    "last step": s.last_step,
                    "points": s.count,
                }
                for key, s in sorted(current.metrics.items())
            ]
        )
        st.dataframe(summary, hide_index=True, key="metric_summary")
        x_title = "step" if controls["x_axis"] == "step" else "seconds since first point"
        cols = st.columns(2)
        for i, metric in enumerate(controls["metrics"]):
            curves = widgets.load_curves(
                c, [current], metric, x_axis=controls["x_axis"], smoothing=controls["smoothing"]
            )
            cols[i % 2].plotly_chart(
                charts.curves_figure(curves, metric, x_title), key=f"run_curve_{metric}"
            )

    live()


def _reproduction(c: Any, run: RunPublic) -> None:
    git = "not captured (the run did not start in a git checkout)"
    if run.git_commit:
        branch = run.git_branch or "detached"
        git = f"{run.git_remote or 'no remote'} @ `{run.git_commit}` ({branch})"
        git += " — with uncommitted changes" if run.git_dirty else ""
    st.markdown(
        f"- **git**: {git}\n"
        f"- **python**: {run.python_version or '—'}\n"
        f"- **host**: {run.host or '—'}\n"
        f"- **command**: `{run.command or '—'}`"
    )
    artifacts = [a for a in c.list_artifacts(run.id) if a.kind != "link"]
    found = False
    for role, title in (
        ("diff", "Uncommitted changes (git diff)"),
        ("packages", "Installed packages"),
        ("source", "Source"),
        ("log", "Logs"),
    ):
        for art in (a for a in artifacts if files.artifact_role(a.path) == role):
            found = True
            with st.expander(f"{title}: {art.path}", expanded=role == "diff"):
                widgets.artifact_preview(c, run.id, art, key=f"repro_{role}")
    if not found:
        st.caption("No captured diff, package list or source for this run.")


if __name__ == "__main__":
    main()
