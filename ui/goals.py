"""Metric goals on the pages: the goal in force for a metric, and the control that changes it.

Which way is better comes from one rule (``runway_core.metrics.goals``) applied to the project's
stored settings; a change made here is stored through the client, so every page and every user
sees it.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from runway_core.metrics.goals import Goal, ResolvedGoal, resolve_goal
from runway_core.schemas import ProjectPublic

LABELS: dict[Goal, str] = {"max": "highest", "min": "lowest"}
GOALS_BY_LABEL = {label: goal for goal, label in LABELS.items()}


def goal_for(c: Any, project: ProjectPublic, key: str) -> ResolvedGoal:
    """The goal in force for ``key`` in ``project``, and where it comes from."""
    found = c.metric_goal(project.name, key)
    return ResolvedGoal(key, found.goal, found.source)


def goal_control(c: Any, project: ProjectPublic, metric: str, *, key: str) -> ResolvedGoal:
    """Say which goal is in force for ``metric`` and why, and let the user change it.

    The radio shows the stored goal on every run (it is set from the store before it is drawn),
    and only a user's click writes: a goal changed elsewhere is never written back.
    """
    current = goal_for(c, project, metric)
    st.session_state[key] = LABELS[current.goal]
    st.radio(
        "Best value is",
        list(GOALS_BY_LABEL),
        horizontal=True,
        key=key,
        on_change=_store,
        args=(c, project, metric, key),
        help="Stored for this project: every page and every user ranks runs by it.",
    )
    explained = current.explain()
    st.caption(explained[:1].upper() + explained[1:] + ".")
    if current.source == "setting":
        default = resolve_goal(
            metric,
            primary_metric=project.primary_metric,
            primary_metric_goal=project.primary_metric_goal,
        )
        st.button(
            f"Use the default ({default.explain()})",
            on_click=_store,
            args=(c, project, metric, None),
            key=f"{key}.reset",
        )
    return current


def _store(c: Any, project: ProjectPublic, metric: str, key: str | None) -> None:
    goal = GOALS_BY_LABEL[st.session_state[key]] if key is not None else None
    c.set_metric_goal(project.name, metric, goal)
