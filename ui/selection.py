"""Table rows picked by id, never by position.

Streamlit reports a table selection as row positions in the data it drew. Rows move under those
positions: a page of runs replaces another, a filter or a sort reorders them, another user adds
or deletes a record between two reruns. So every selectable table here

- is drawn under a key that names exactly the ids it shows (a digest of them): a position read
  from that widget's state can only mean a row of that list, and a table showing other rows is
  another widget that starts from the selection given to it;
- remembers, in ``st.session_state``, the key and the ids it drew, so the positions the browser
  sends back after a click are read against the rows that were on the screen;
- keeps the chosen ids (multi-row tables) in ``st.session_state`` per page, so a selection
  survives paging, sorting and filtering and is drawn ticked wherever those runs appear again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st


def _digest(ids: Sequence[str]) -> str:
    return hashlib.sha1("\x1f".join(ids).encode()).hexdigest()[:12]


def _drawn_ticks(key: str) -> tuple[list[str], list[str]] | None:
    """The ids the table ``key`` drew last and the ones ticked among them, or None when the
    browser holds no selection for that drawing (a first visit, or after another page)."""
    drawn = st.session_state.get(f"{key}.drawn")
    if not drawn:
        return None
    widget_key, ids = drawn
    if widget_key not in st.session_state:
        return None
    state = st.session_state[widget_key]
    rows = state["selection"]["rows"] if state else []
    return ids, [ids[i] for i in rows if 0 <= i < len(ids)]


def _remember(key: str, widget_key: str, ids: list[str]) -> None:
    st.session_state[f"{key}.drawn"] = (widget_key, ids)


def open_table(
    frame: pd.DataFrame, *, key: str, id_column: str = "id", **options: Any
) -> str | None:
    """Draw ``frame`` with single-row selection; return the id of the row the user just ticked.

    For tables whose rows are links (a project, an experiment): the caller opens the record.
    """
    ticked = _drawn_ticks(key)
    ids = [str(i) for i in frame[id_column]]
    widget_key = f"{key}.{_digest(ids)}"
    st.dataframe(frame, key=widget_key, on_select="rerun", selection_mode="single-row", **options)
    _remember(key, widget_key, ids)
    return ticked[1][0] if ticked and ticked[1] else None


class Selection:
    """The ids chosen in a multi-row table, in the order they were ticked, kept per ``key``."""

    def __init__(self, key: str):
        self.key = key

    @property
    def ids(self) -> list[str]:
        return list(st.session_state.get(f"{self.key}.ids", []))

    def label(self, run_id: str) -> str:
        """The name a chosen row was shown with (its id's start when it had none)."""
        return str(st.session_state.get(f"{self.key}.labels", {}).get(run_id, run_id[:8]))

    def clear(self) -> None:
        """Untick everything; a fresh widget key drops the browser's ticks too."""
        st.session_state[f"{self.key}.ids"] = []
        st.session_state[f"{self.key}.generation"] = self._generation + 1
        st.session_state.pop(f"{self.key}.drawn", None)

    def discard(self, ids: Sequence[str]) -> None:
        """Forget ids that no longer exist (a run deleted meanwhile)."""
        gone = set(ids)
        st.session_state[f"{self.key}.ids"] = [i for i in self.ids if i not in gone]

    @property
    def _generation(self) -> int:
        return int(st.session_state.get(f"{self.key}.generation", 0))

    def table(
        self,
        frame: pd.DataFrame,
        *,
        id_column: str = "id",
        label_column: str = "name",
        **options: Any,
    ) -> list[str]:
        """Draw ``frame`` with multi-row selection, the chosen ids ticked; return every chosen
        id (those on other pages or filtered out included)."""
        chosen = self.ids
        ticked = _drawn_ticks(self.key)
        if ticked is not None:
            drawn, now = ticked
            shown = set(drawn)
            chosen = [i for i in chosen if i not in shown or i in now]
            chosen += [i for i in now if i not in chosen]
        ids = [str(i) for i in frame[id_column]]
        labels = dict(st.session_state.get(f"{self.key}.labels", {}))
        labels.update(zip(ids, (str(v) for v in frame[label_column]), strict=True))
        widget_key = f"{self.key}.{self._generation}.{_digest(ids)}"
        position = {run_id: i for i, run_id in enumerate(ids)}
        rows = sorted(position[i] for i in chosen if i in position)
        st.dataframe(
            frame,
            key=widget_key,
            on_select="rerun",
            selection_mode="multi-row",
            selection_default={"selection": {"rows": rows, "columns": []}},
            **options,
        )
        _remember(self.key, widget_key, ids)
        st.session_state[f"{self.key}.ids"] = chosen
        st.session_state[f"{self.key}.labels"] = {i: labels[i] for i in chosen} | {
            i: labels[i] for i in ids
        }
        return chosen
