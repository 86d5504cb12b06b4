"""Shape a sweep's trials into the tables and series the Sweeps page shows (no Streamlit)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from runway_core.schemas.sweep import SweepPublic, TrialPublic

TRIAL_COLUMNS = ["trial", "status", "value", "run", "attempts", "previous", "worker", "note"]


def trials_frame(trials: Sequence[TrialPublic]) -> pd.DataFrame:
    """One row per trial: number, status, the sweep metric's value, a link to its current
    attempt's run and to the previous attempt's (one whose worker went silent), and one
    ``params.<key>`` column per parameter."""
    rows = []
    for t in trials:
        row: dict[str, object] = {
            "trial": t.number,
            "status": t.status.value,
            "value": t.value,
            "run": f"/run?run={t.run_id}",
            "attempts": t.attempts,
            "previous": f"/run?run={t.previous_runs[-1]}" if t.previous_runs else None,
            "run_id": t.run_id,
            "name": t.name or t.run_id[:8],
            "worker": t.worker or "",
            "note": t.stop_reason or t.launched or "",
        }
        row.update({f"params.{k}": v for k, v in t.params.items()})
        rows.append(row)
    frame = pd.DataFrame(rows, columns=[*TRIAL_COLUMNS, "run_id", "name"] if not rows else None)
    return frame


def param_columns(frame: pd.DataFrame, order: Sequence[str] = ()) -> list[str]:
    """The parameters that vary across trials (constants say nothing in a chart), in the
    spec's ``order`` (others after them)."""
    rank = {f"params.{k}": i for i, k in enumerate(order)}
    cols = sorted(
        (c for c in frame.columns if c.startswith("params.")), key=lambda c: rank.get(c, len(rank))
    )
    return [c for c in cols if frame[c].astype(str).nunique() > 1]


def best_so_far(frame: pd.DataFrame, goal: str) -> pd.DataFrame:
    """Finished trials in trial order with the value and the best value up to each one."""
    done = frame[(frame["status"] == "finished") & frame["value"].notna()].sort_values("trial")
    done = done[["trial", "value", "name"]].copy()
    values = done["value"].astype(float)
    done["best"] = values.cummin() if goal == "min" else values.cummax()
    return done.reset_index(drop=True)


def progress(sweep: SweepPublic) -> tuple[float, str]:
    """The share of the budget that has ended, and a line saying how the trials stand."""
    ended = sum(n for k, n in sweep.counts.items() if k not in ("queued", "running"))
    share = min(ended / sweep.max_trials, 1.0) if sweep.max_trials else 0.0
    parts = [f"{n} {k}" for k, n in sorted(sweep.counts.items()) if n]
    return share, f"{ended} of {sweep.max_trials} trials ended ({', '.join(parts) or 'none yet'})"


def sweeps_frame(sweeps: Sequence[SweepPublic]) -> pd.DataFrame:
    rows = [
        {
            "id": s.id,
            "sweep": s.name,
            "method": s.method,
            "state": s.state,
            "metric": f"{s.metric} {'↓' if s.goal == 'min' else '↑'}",
            "finished": s.counts.get("finished", 0),
            "trials": s.max_trials,
            "best": s.best.value if s.best is not None else None,
        }
        for s in sweeps
    ]
    columns = ["id", "sweep", "method", "state", "metric", "finished", "trials", "best"]
    return pd.DataFrame(rows, columns=columns)
