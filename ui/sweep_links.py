"""The sweeps of a project or experiment as links to the Sweeps page (on those pages)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from runway.ui.session import link
from runway_core.schemas.sweep import SweepPublic

SHOWN = 10


def sweep_links(sweeps: Sequence[SweepPublic], *, project: str) -> None:
    if not sweeps:
        return
    st.subheader("Sweeps")
    for s in sweeps[:SHOWN]:
        best = (
            f", best {s.metric} {s.best.value:.4g}" if s.best and s.best.value is not None else ""
        )
        done = s.counts.get("finished", 0)
        link("sweeps", f"{s.name}: {s.method}, {s.state}, {done}/{s.max_trials}{best}", sweep=s.id)
    if len(sweeps) > SHOWN:
        link("sweeps", f"All {len(sweeps)} sweeps →", project=project)
