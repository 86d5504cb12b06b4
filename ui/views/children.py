"""The Run page's orchestrator section: the run's parent and its page in the orchestrator, and
the "Child runs" table (task runs and subflow runs recorded under it with ``parent_run_id``)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from runway.ui import data
from runway_core.schemas import RunPublic

# Tags an integration sets to the run's page in the orchestrator's UI.
ORCHESTRATOR_LINKS = {
    "prefect.flow_run_url": "Prefect flow run",
    "prefect.task_run_url": "Prefect task run",
}
MAX_CHILDREN = 500


def orchestrator_link(run: RunPublic) -> tuple[str, str] | None:
    for tag, label in ORCHESTRATOR_LINKS.items():
        url = run.tags.get(tag)
        if url and url.startswith(("http://", "https://")):
            return label, url
    return None


def children_frame(kids: Sequence[RunPublic], now_ms: int | None = None) -> pd.DataFrame:
    """One row per child run, in start order: name, status, duration, retries, links."""
    rows = []
    for kid in sorted(kids, key=lambda r: (r.start_time or 0, r.name or "")):
        found = orchestrator_link(kid)
        rows.append(
            {
                "name": data.run_label(kid),
                "status": data.status_label(kid.status),
                "duration": data.fmt_duration(kid.start_time, kid.end_time, now_ms),
                "retries": int(kid.tags["prefect.retries"])
                if kid.tags.get("prefect.retries", "").isdigit()
                else None,
                "run": f"run?run={kid.id}",
                "orchestrator": found[1] if found else None,
            }
        )
    columns = ["name", "status", "duration", "retries", "run", "orchestrator"]
    return pd.DataFrame(rows, columns=columns)


def show_links(run: RunPublic) -> None:
    """A line with the parent run and the orchestrator's page, when the run has them."""
    parts = []
    if run.parent_run_id:
        parts.append(f"child of [run `{run.parent_run_id[:8]}`](run?run={run.parent_run_id})")
    found = orchestrator_link(run)
    if found:
        parts.append(f"[{found[0]} ↗]({found[1]})")
    if parts:
        st.markdown(" · ".join(parts))


def show(c: Any, run: RunPublic) -> None:
    """The "Child runs" table; nothing when the run has none."""
    kids = c.search_runs(
        experiments=[run.experiment_id],
        filter=f"attributes.parent_run_id = '{run.id}'",
        limit=MAX_CHILDREN,
    )
    if not kids:
        return
    st.subheader(f"Child runs ({len(kids)}{'+' if len(kids) >= MAX_CHILDREN else ''})")
    st.dataframe(
        children_frame(kids, int(time.time() * 1000)),
        hide_index=True,
        column_config={
            "run": st.column_config.LinkColumn("run", display_text="open"),
            "orchestrator": st.column_config.LinkColumn("orchestrator", display_text="↗"),
            "retries": st.column_config.NumberColumn("retries", format="%d"),
        },
    )
