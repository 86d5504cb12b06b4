"""Entry point of the dashboard (``streamlit run app.py``): page setup and navigation.

Each page has its own URL path (``/run?run=<id>``); ``/?page=run&run=<id>`` is accepted too, so
a deep link can name the page as a query parameter.
"""

from __future__ import annotations

import streamlit as st

from runway.ui.session import PAGES, tracking_uri

st.set_page_config(
    page_title="Runway", page_icon="🛫", layout="wide", initial_sidebar_state="collapsed"
)

TITLES = {
    "projects": "Projects",
    "project": "Project",
    "experiment": "Experiment",
    "run": "Run",
    "compare": "Compare",
}
pages = {name: st.Page(path, title=TITLES[name], url_path=name) for name, path in PAGES.items()}
# The default page is served at "/" and loses its own path, so "/projects" would show "Page not
# found"; a hidden second entry for the same script keeps that documented address working.
pages["projects"] = st.Page(PAGES["projects"], title="Projects", url_path="home", default=True)
alias = st.Page(PAGES["projects"], title="Projects", url_path="projects", visibility="hidden")
current = st.navigation([*pages.values(), alias], position="top")

wanted = st.query_params.get("page")
if wanted and wanted in pages and wanted != current.url_path:
    rest = {k: v for k, v in st.query_params.to_dict().items() if k != "page"}
    st.switch_page(pages[wanted], query_params=rest)

st.sidebar.caption(f"Tracking URI: `{tracking_uri()}`")
current.run()
