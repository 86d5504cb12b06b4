"""Projects page: every project with its counts, last activity and best primary-metric value."""

from __future__ import annotations

import streamlit as st

from runway.ui import data
from runway.ui.session import client, empty_state, errors_shown, go, param, set_params


def main() -> None:
    st.title("Projects")
    search = st.text_input("Search projects", value=param("search"), placeholder="name contains…")
    set_params(search=search)
    with errors_shown():
        projects = client().list_projects(search=search or None)
        if not projects:
            if search:
                st.info(f"No project name matches {search!r}.")
            else:
                empty_state("No projects yet.")
            return
        frame = data.projects_frame(projects)
        st.caption(f"{len(frame)} projects · select a row to open it")
        event = st.dataframe(
            frame,
            hide_index=True,
            key="projects_table",
            on_select="rerun",
            selection_mode="single-row",
            column_order=[c for c in frame.columns if c != "id"],
            column_config={"best": st.column_config.NumberColumn(format="%.4g")},
        )
        if event.selection.rows:
            go("project", project=str(frame.iloc[event.selection.rows[0]]["project"]))


if __name__ == "__main__":
    main()
