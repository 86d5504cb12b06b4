"""Experiment page: runs table with search, the paper's figure 3, parallel coordinates, curves."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from runway.ui import charts, data, widgets
from runway.ui.goals import goal_for
from runway.ui.selection import Selection
from runway.ui.session import (
    client,
    errors_shown,
    filter_error,
    go,
    link,
    param,
    set_params,
)
from runway.ui.sweep_links import sweep_links
from runway_core.errors import InvalidFilter, NotFound

PAGE_SIZE = 100
CHART_RUNS = 1000  # runs read for the scatter and parallel coordinates (the best first)
DEFAULT_COLUMNS = 6


def main() -> None:
    project, name = param("project"), param("experiment")
    if not project or not name:
        st.title("Experiment")
        st.info("Open an experiment from its project's page.")
        link("projects", "→ Projects")
        return
    with errors_shown():
        show(project, name)


def show(project_name: str, name: str) -> None:
    c = client()
    project = c.get_project(project_name)
    experiment = c.get_experiment(project.id, name)
    link("project", f"← {project.name}", project=project.name)
    st.title(experiment.name)
    if experiment.description:
        st.markdown(experiment.description)
    sweep_links(c.list_sweeps(project.id, experiment.id), project=project.name)

    sample = c.search_runs(project=project.id, experiments=[experiment.id], limit=CHART_RUNS)
    params, metrics, _ = data.key_sets(sample)
    if not sample:
        st.info("No runs in this experiment yet. Log one with the SDK:")
        st.code(
            f'import runway\nrun = runway.init(project="{project.name}", '
            f'experiment="{experiment.name}")\nrun.log({{"loss": 0.5}})\nrun.finish()',
            language="python",
        )
        return
    primary = project.primary_metric if project.primary_metric in metrics else None
    sort_metric = primary or (metrics[0] if metrics else None)
    # Best first, by the sort metric's goal (its setting, the primary goal, or its name).
    best_order = (
        f"metrics.{sort_metric} {goal_for(c, project, sort_metric).order}"
        if sort_metric
        else "attributes.start_time desc"
    )

    flt = st.text_input(
        "Filter (search language)",
        value=param("filter"),
        placeholder="metrics.val_acc > 0.9 and (params.kernel = 'rbf' or params.C >= 1)",
    )
    filter_note = st.container()  # a filter that does not parse is explained right here
    orders = ["attributes.start_time desc", "attributes.start_time asc"]
    for key in metrics:
        orders += [f"metrics.{key} desc", f"metrics.{key} asc"]
    default_order = best_order if primary else orders[0]
    wanted = param("order") or default_order
    col_order, col_params, col_metrics = st.columns([1, 2, 2])
    # selectbox is typed Optional, but with an index into a non-empty list it always answers.
    order = (
        col_order.selectbox(
            "Order by",
            orders,
            index=orders.index(wanted) if wanted in orders else 0,
            key=f"runs_order.{experiment.id}",
        )
        or orders[0]
    )
    shown_params = col_params.multiselect("Param columns", params, default=params[:DEFAULT_COLUMNS])
    shown_metrics = col_metrics.multiselect(
        "Metric columns", metrics, default=metrics[:DEFAULT_COLUMNS]
    )
    set_params(filter=flt, order=order if order != default_order else None)

    try:
        runs, page_no, has_next = _page(c, project.id, experiment.id, flt, order)
    except InvalidFilter as exc:
        # Keep the page useful while the filter is being fixed: every run, said plainly.
        filter_note.error(filter_error(exc))
        filter_note.caption(
            "The filter was not applied: the table and charts below are unfiltered."
        )
        flt = ""
        runs, page_no, has_next = _page(c, project.id, experiment.id, flt, order)
    for hint in runs.hints:  # a key no run here has: say so, and the nearest ones
        filter_note.warning(hint)
    frame = data.runs_frame(
        runs, params=shown_params, metrics=shown_metrics, now_ms=int(time.time() * 1000)
    )
    st.caption(
        f"Page {page_no + 1}: {len(frame)} runs"
        + (" (more on the next page)" if has_next else "")
        + " · select rows to compare them or to overlay their curves"
    )
    picked = Selection(f"runs.{experiment.id}")
    selected = picked.table(
        frame, hide_index=True, column_order=[c for c in frame.columns if c != "id"]
    )
    _selection_note(picked, selected, {r.id for r in runs})
    _actions(project.name, picked, selected)

    if flt or len(sample) >= CHART_RUNS:  # the charts follow the filter, and show the best runs
        sample = c.search_runs(
            project=project.id,
            experiments=[experiment.id],
            filter=flt,
            order_by=[best_order],
            limit=CHART_RUNS,
        )
    chart_frame = data.runs_frame(sample, params=params, metrics=metrics)
    if params and metrics:
        p_cols = [f"params.{k}" for k in params]
        m_cols = [f"metrics.{k}" for k in metrics]
        best = f"metrics.{sort_metric or metrics[0]}"
        varying = data.varying_columns(chart_frame, p_cols)
        p_cols = varying + [p for p in p_cols if p not in varying]  # informative axes first
        _scatter(chart_frame, p_cols, m_cols, best, colour_default=len(varying) > 1)
        _parallel(chart_frame, p_cols, m_cols, best, dims=varying or p_cols)
    _curves(c, _selected_runs(c, picked, runs, selected), metrics)


def _page(c, project_id: str, experiment_id: str, flt: str, order: str):  # type: ignore[no-untyped-def]
    """One page of the runs table; keyset tokens of earlier pages are kept for "Previous"."""
    key = (experiment_id, flt, order)
    state = st.session_state.get("runs_pages")
    if not state or state["key"] != key:
        state = {"key": key, "tokens": [None], "index": 0}
        st.session_state["runs_pages"] = state
    index = state["index"]
    page = c.search_runs(
        project=project_id,
        experiments=[experiment_id],
        filter=flt,
        order_by=[order],
        limit=PAGE_SIZE,
        page_token=state["tokens"][index],
    )
    prev_col, next_col, _ = st.columns([1, 1, 6])
    if prev_col.button("← Previous", disabled=index == 0):
        state["index"] -= 1
        st.rerun()
    if next_col.button("Next →", disabled=not page.next_page_token):
        del state["tokens"][index + 1 :]
        state["tokens"].append(page.next_page_token)
        state["index"] += 1
        st.rerun()
    return page, index, bool(page.next_page_token)


def _actions(project: str, picked: Selection, selected: list[str]) -> None:
    left, middle, right, _ = st.columns([1, 1, 1, 3])
    if left.button(f"Compare selected ({len(selected)})", disabled=len(selected) < 2):
        go("compare", project=project, runs=",".join(selected))
    if middle.button("Open run", disabled=len(selected) != 1):
        go("run", run=selected[0])
    right.button("Clear selection", disabled=not selected, on_click=picked.clear)


def _selection_note(picked: Selection, selected: list[str], on_page: set[str]) -> None:
    """Say what is selected, naming the runs this page does not show."""
    if not selected:
        return
    elsewhere = [picked.label(i) for i in selected if i not in on_page]
    note = f"{len(selected)} selected"
    if elsewhere:
        note += f" · not on this page: {', '.join(elsewhere)}"
    st.caption(note)


def _selected_runs(c, picked: Selection, runs: list, selected: list[str]) -> list:  # type: ignore[no-untyped-def]
    """The selected runs, read from the server when not on this page; deleted ones let go."""
    here = {r.id: r for r in runs}
    out, gone = [], []
    for run_id in selected:
        try:
            out.append(here[run_id] if run_id in here else c.get_run(run_id))
        except NotFound:
            gone.append(run_id)
    if gone:
        picked.discard(gone)
    return out


def _scatter(
    frame: pd.DataFrame, params: list[str], metrics: list[str], metric: str, *, colour_default: bool
) -> None:
    st.subheader("Metric vs hyperparameter")
    a, b, c = st.columns(3)
    x = a.selectbox("Hyperparameter (x)", params, key="scatter_x")
    y = b.selectbox("Metric (y)", metrics, index=metrics.index(metric), key="scatter_y")
    colour_fields = ["status", *[p for p in params if p != x], *metrics]
    # Colour by the next varying param when there is one, else by status.
    colour = c.selectbox("Colour by", colour_fields, index=1 if colour_default else 0)
    st.plotly_chart(charts.scatter_figure(frame, x, y, colour), key="scatter")


def _parallel(
    frame: pd.DataFrame, params: list[str], metrics: list[str], metric: str, *, dims: list[str]
) -> None:
    st.subheader("Parallel coordinates")
    a, b = st.columns([3, 1])
    dims = a.multiselect("Axes", params, default=dims[:8], key="parallel_dims")
    colour = b.selectbox("Metric", metrics, index=metrics.index(metric), key="parallel_metric")
    st.plotly_chart(charts.parallel_figure(frame, [*dims, colour], colour), key="parallel")


def _curves(c, runs: list, metrics: list[str]) -> None:  # type: ignore[no-untyped-def]
    st.subheader("Learning curves of the selected runs")
    if not runs:
        st.caption("Select runs in the table above to overlay their learning curves.")
        return
    keys = sorted({k for r in runs for k in r.metrics})
    metric = st.selectbox("Metric", keys or metrics, key="curves_metric")

    # A selected running run's curve grows by itself, as on the run page.
    @st.fragment(run_every=widgets.live_every(runs))
    def live() -> None:
        current = runs
        if widgets.live_every(runs):
            current = [c.get_run(r.id) for r in runs]
            if not widgets.live_every(current):
                st.rerun()  # every selected run has ended: redraw once, without the timer
        curves = widgets.load_curves(c, current, metric, x_axis="step", smoothing=0.0)
        st.plotly_chart(charts.curves_figure(curves, metric), key="selected_curves")

    live()


if __name__ == "__main__":
    main()
