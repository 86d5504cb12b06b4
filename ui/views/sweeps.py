"""Sweeps page: every sweep (or a project's), and one sweep's progress, best-so-far curve,
metric against each parameter, parallel coordinates, and its trials linked to their runs."""

from __future__ import annotations

import streamlit as st

from runway.ui import charts, sweep_charts, sweeps_data
from runway.ui.selection import open_table
from runway.ui.session import client, errors_shown, go, link, param, status_badge
from runway_core.schemas.sweep import SweepPublic

SPEC_SNIPPET = """# spec.yaml
method: bayes
metric: {name: val_loss, goal: minimize}
parameters:
  lr: {distribution: log_uniform, min: 0.0001, max: 0.1}
  layers: {values: [1, 2, 3]}
budget: {max_trials: 20, max_parallel: 2}"""


def main() -> None:
    with errors_shown():
        sweep_id = param("sweep")
        if sweep_id:
            show(client().get_sweep(sweep_id))
        else:
            listing(param("project") or None)


def listing(project: str | None) -> None:
    c = client()
    st.title(f"Sweeps of {project}" if project else "Sweeps")
    sweeps = c.list_sweeps(project)
    if not sweeps:
        st.info("No sweeps yet. Register one from a spec file, then run its trials:")
        st.code(SPEC_SNIPPET, language="yaml")
        st.code(
            "runway sweep create spec.yaml --project P --experiment E\n"
            "runway agent SWEEP_ID -- python train.py",
            language="bash",
        )
        return
    frame = sweeps_data.sweeps_frame(sweeps)
    st.caption("Select a row to open the sweep.")
    opened = open_table(
        frame,
        key="sweeps_table",
        hide_index=True,
        column_order=["sweep", "method", "state", "metric", "finished", "trials", "best"],
        column_config={"best": st.column_config.NumberColumn(format="%.4g")},
    )
    if opened:
        go("sweeps", sweep=opened)


def show(sweep: SweepPublic) -> None:
    c = client()
    project = c.get_project(sweep.project_id)
    experiment = c.store.get_experiment(sweep.experiment_id)
    link("sweeps", f"← Sweeps of {project.name}", project=project.name)
    st.title(sweep.name)
    st.markdown(
        f"{status_badge(sweep.state)} **{sweep.method}** search, "
        f"{'minimizing' if sweep.goal == 'min' else 'maximizing'} `{sweep.metric}` · "
        f"seed {sweep.seed} · experiment {experiment.name}"
    )
    link("experiment", f"Runs of {experiment.name} →", project=project.name,
         experiment=experiment.name)  # fmt: skip
    share, line = sweeps_data.progress(sweep)
    st.progress(share, text=line)
    trials = c.list_trials(sweep.id)
    frame = sweeps_data.trials_frame(trials)
    best = sweep.best
    left, right = st.columns([3, 1])
    right.metric(f"Best {sweep.metric}", "-" if best is None else f"{best.value:.4g}")
    if best is not None:
        right.caption("Best trial: " + ", ".join(f"{k}={v}" for k, v in best.params.items()))
        with right:
            link("run", f"Open trial {best.number} →", run=best.run_id)
    curve = sweeps_data.best_so_far(frame, sweep.goal) if len(frame) else frame
    if len(curve):
        left.plotly_chart(
            sweep_charts.best_so_far_figure(curve, sweep.metric, sweep.goal), key="best_so_far"
        )
    else:
        left.info("No trial has finished yet: the charts appear as trials finish.")
    params = sweeps_data.param_columns(frame, list(sweep.spec.get("parameters", {})))
    done = frame[frame["value"].notna()] if len(frame) else frame
    if len(done) and params:
        # The charts name the metric (unless it clashes with a column of the table).
        y = sweep.metric if sweep.metric not in done.columns else "value"
        done = done.rename(columns={"value": y})
        st.subheader(f"{sweep.metric} against each parameter")
        columns = st.columns(min(len(params), 3))
        for i, col in enumerate(params):
            fig = charts.scatter_figure(done, col, y, color="status")
            columns[i % len(columns)].plotly_chart(fig, key=f"scatter.{col}")
        st.plotly_chart(charts.parallel_figure(done, [*params, y], y), key="parallel")
    st.subheader("Trials")
    st.dataframe(
        frame,
        hide_index=True,
        column_order=[*sweeps_data.TRIAL_COLUMNS[:3], *params, *sweeps_data.TRIAL_COLUMNS[3:]],
        column_config={
            "value": st.column_config.NumberColumn(sweep.metric, format="%.4g"),
            "run": st.column_config.LinkColumn("run", display_text="open run"),
            "previous": st.column_config.LinkColumn(
                "previous attempt", display_text="open earlier attempt"
            ),
        },
        key="trials_table",
    )


if __name__ == "__main__":
    main()
