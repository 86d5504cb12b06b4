"""Project page: the paper's figure 2 (a metric per experiment with run counts) and experiments."""

from __future__ import annotations

import streamlit as st

from runway.ui import charts, data
from runway.ui.goals import LABELS, goal_control
from runway.ui.selection import open_table
from runway.ui.session import client, empty_state, errors_shown, go, link, param, set_params
from runway.ui.sweep_links import sweep_links

SAMPLE_RUNS = 200  # recent runs read to learn which metric keys the project has


def main() -> None:
    name = param("project")
    if not name:
        st.title("Project")
        st.info("Choose a project on the Projects page.")
        link("projects", "→ Projects")
        return
    with errors_shown():
        show(name)


def show(name: str) -> None:
    c = client()
    project = c.get_project(name)
    st.title(project.name)
    if project.description:
        st.markdown(project.description)
    sample = c.search_runs(
        project=project.id, limit=SAMPLE_RUNS, order_by=["attributes.start_time desc"]
    )
    _, metric_keys, _ = data.key_sets(sample)
    if project.primary_metric and project.primary_metric not in metric_keys:
        metric_keys.insert(0, project.primary_metric)
    experiments = c.list_experiments(project.id)
    if not experiments:
        empty_state(f"Project {project.name!r} has no experiments yet.")
        return
    left, right = st.columns([3, 1])
    metric = None
    best = ""
    if metric_keys:
        wanted = param("metric") or project.primary_metric or metric_keys[0]
        index = metric_keys.index(wanted) if wanted in metric_keys else 0
        metric = right.selectbox("Metric", metric_keys, index=index)
        with right:
            aggregate = st.radio(
                "Aggregate per experiment",
                charts.AGGREGATES,
                horizontal=True,
                help="best: each experiment's best run by the metric's goal (set below)",
            )
            goal = goal_control(c, project, metric, key="metric_goal")
        best = f"best {metric} ({LABELS[goal.goal]})"
        set_params(metric=metric if metric != project.primary_metric else None)
        experiments = c.list_experiments(project.id, metric=metric)
    frame = data.experiments_frame(experiments)
    right.metric("Experiments", len(frame))
    right.metric("Runs", int(frame["runs"].sum()))
    if metric:
        left.plotly_chart(charts.project_figure(frame, metric, aggregate), key="project_figure")
    else:
        left.info("No metrics logged yet: the chart appears once runs log metrics.")
    st.subheader("Experiments")
    st.caption("Select a row to open the experiment.")
    opened = open_table(
        frame,
        key=f"experiments_table.{project.id}",
        hide_index=True,
        column_order=["experiment", "runs", "best", "mean", "last", "last activity", "created"],
        column_config={
            k: st.column_config.NumberColumn(
                best if k == "best" and best else f"{k} {metric or ''}".strip(), format="%.4g"
            )
            for k in ("best", "mean", "last")
        },
    )
    if opened:
        names = dict(zip(frame["id"], frame["experiment"], strict=True))
        go("experiment", project=project.name, experiment=str(names.get(opened, opened)))
    link("compare", "Compare runs of this project →", project=project.name)
    sweep_links(c.list_sweeps(project.id), project=project.name)


if __name__ == "__main__":
    main()
