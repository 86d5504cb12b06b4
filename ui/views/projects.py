"""Projects page: every project with its counts, last activity and best primary-metric value."""

from __future__ import annotations

import streamlit as st

from runway.ui import data
from runway.ui.selection import open_table
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
        opened = open_table(
            frame,
            key="projects_table",
            hide_index=True,
            column_order=[c for c in frame.columns if c != "id"],
            column_config={"best": st.column_config.NumberColumn(format="%.4g")},
        )
        if opened:
            names = dict(zip(frame["id"], frame["project"], strict=True))
            go("project", project=str(names.get(opened, opened)))  # the id if it was renamed


if __name__ == "__main__":
    main()
