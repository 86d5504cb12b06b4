"""Compare page (the paper's figure 4): runs side by side, differences marked, diffs, curves."""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from runway.ui import charts, data, widgets
from runway.ui.session import client, errors_shown, link, param, param_list, set_params
from runway_core.errors import NotFound
from runway_core.schemas import RunPublic

PICKER_RUNS = 200  # runs offered in the picker: the newest, or the newest matching the search
MAX_DIFFS = 30
DIFF_COLOUR = "background-color: rgba(255, 196, 0, 0.25)"


def main() -> None:
    st.title("Compare runs")
    with errors_shown():
        show(param("project"), param_list("runs"))


def show(project_name: str, run_ids: list[str]) -> None:
    c = client()
    runs = _load(c, run_ids)
    if runs is None:
        return
    if not project_name and runs:
        project_name = c.get_project(runs[0].project_id).name
    if not project_name:
        projects = [p.name for p in c.list_projects()]
        if not projects:
            st.info("No projects yet: log runs with the SDK or run `runway demo`.")
            return
        project_name = st.selectbox("Project", projects, index=None, placeholder="Choose…") or ""
        if not project_name:
            return
    project = c.get_project(project_name)
    experiments = {e.id: e.name for e in c.list_experiments(project.id)}
    chosen = _picker(c, project.id, runs, experiments)
    set_params(project=project.name, runs=",".join(chosen))
    if chosen != [r.id for r in runs]:
        runs = _load(c, chosen) or []
    if len(runs) < 2:
        st.info("Pick two or more runs to compare (from any experiments of the project).")
        return
    link("project", f"← {project.name}", project=project.name)
    _table(runs, experiments)
    _artifacts(c, runs)
    _curves(c, runs, project.primary_metric)


def _load(c: Any, run_ids: list[str]) -> list[RunPublic] | None:
    runs = []
    missing = []
    for run_id in dict.fromkeys(run_ids):  # keep order, drop repeats
        try:
            runs.append(c.get_run(run_id))
        except NotFound:
            missing.append(run_id)
    if missing:
        st.error(f"Not found: run {', '.join(repr(m) for m in missing)}. Check the `runs=` link.")
        return None
    return runs


def _picker(
    c: Any, project_id: str, runs: list[RunPublic], experiments: dict[str, str]
) -> list[str]:
    """Choose runs: a search on the server by name (or id), the chosen runs always kept."""
    text = st.text_input(
        "Find runs",
        key="compare_search",
        max_chars=200,
        placeholder="part of a run name or id — searches every run of the project",
    ).strip()
    found = c.search_runs(
        project=project_id,
        filter=data.run_search_filter(text),
        limit=PICKER_RUNS,
        order_by=["attributes.start_time desc"],
        include_data=False,
    )
    if text:
        more = " (the newest shown; type more to narrow)" if found.next_page_token else ""
        matches = "1 run matches" if len(found) == 1 else f"{len(found)} runs match"
        st.caption(f"{matches} {text!r}{more}.")
    else:
        st.caption(f"The {len(found)} most recent runs; type to search all of them.")
    options: dict[str, str] = {}
    for run in [*runs, *found]:
        options.setdefault(
            run.id,
            f"{experiments.get(run.experiment_id, '?')} / {data.run_label(run)} ({run.id[:6]})",
        )
    return st.multiselect(
        "Runs",
        list(options),
        default=[r.id for r in runs],
        format_func=options.__getitem__,
        key="compare_runs",
    )


def _table(runs: list[RunPublic], experiments: dict[str, str]) -> None:
    st.subheader("Metadata, params and metrics")
    only_diff = st.toggle("Only differences", value=param("only") == "1", key="only_differences")
    set_params(only="1" if only_diff else None)
    frame = data.compare_frame(runs, experiment_names=experiments, now_ms=int(time.time() * 1000))
    if only_diff:
        frame = data.only_differences(frame)
    shown = frame.drop(columns=["differs"]).map(data.display)
    styled = shown.style.apply(
        lambda row: [DIFF_COLOUR if frame.loc[row.name, "differs"] else "" for _ in row], axis=1
    )
    st.caption(f"{int(frame['differs'].sum())} of {len(frame)} fields differ (highlighted).")
    st.dataframe(
        styled, hide_index=True, key="compare_table", height=min(38 + 35 * len(frame), 1400)
    )


def _artifacts(c: Any, runs: list[RunPublic]) -> None:
    st.subheader("Artifacts")
    listings = [c.list_artifacts(r.id) for r in runs]
    matched = data.match_artifacts(runs, listings)
    if matched.empty:
        st.caption("None of these runs has artifacts.")
        return
    colours = {"differs": DIFF_COLOUR, "missing": "background-color: rgba(200, 0, 0, 0.12)"}
    st.dataframe(
        matched.style.apply(lambda row: [colours.get(row["state"], "") for _ in row], axis=1),
        hide_index=True,
        key="artifacts_table",
    )
    base = runs[0]
    labels = data.unique_labels(runs)
    differing = [
        p for p, s in zip(matched["path"], matched["state"], strict=True) if s == "differs"
    ]
    if not differing:
        st.caption("Every artifact present in all runs is identical.")
        return
    st.markdown(f"**Differences against `{labels[0]}`**")
    shown = 0
    for path in differing:
        for label, other in zip(labels[1:], runs[1:], strict=True):
            if shown >= MAX_DIFFS:
                st.caption(f"Only the first {MAX_DIFFS} diffs are shown.")
                return
            diff = c.diff_artifacts(base.id, path, other.id)
            if diff.identical:
                continue
            shown += 1
            with st.expander(f"{path}: {labels[0]} → {label}", expanded=shown <= 3):
                if diff.binary or not diff.diff:
                    st.caption(diff.message or "Binary files differ.")
                else:
                    st.code(diff.diff, language="diff", line_numbers=False)


def _curves(c: Any, runs: list[RunPublic], preferred: str | None) -> None:
    st.subheader("Learning curves")
    keys = sorted({k for r in runs for k in r.metrics})
    if not keys:
        st.caption("These runs logged no metrics.")
        return
    common = [k for k in keys if all(k in r.metrics for r in runs)]
    a, b, d = st.columns([2, 1, 1])
    options = common or keys
    start = options.index(preferred) if preferred in options else 0
    metric = a.selectbox("Metric", options, index=start, key="compare_metric")
    x_axis = b.radio("x axis", ["step", "time (s)"], horizontal=True, key="compare_x")
    smoothing = d.slider("Smoothing", 0.0, 0.99, 0.0, 0.01, key="compare_smooth")
    x_title = "step" if x_axis == "step" else "seconds since first point"

    @st.fragment(run_every=widgets.live_every(runs))
    def live() -> None:
        curves = widgets.load_curves(c, runs, metric, x_axis=x_axis, smoothing=smoothing)
        st.plotly_chart(charts.curves_figure(curves, metric, x_title), key="compare_overlay")
        st.plotly_chart(charts.curves_side_by_side(curves, metric, x_title), key="compare_side")

    live()


if __name__ == "__main__":
    main()
