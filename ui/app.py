"""Entry point of the dashboard (``streamlit run app.py``): page setup and navigation.

Each page has its own URL path (``/run?run=<id>``); ``/?page=run&run=<id>`` is accepted too, so
a deep link can name the page as a query parameter.
"""

from __future__ import annotations

import sys
from pathlib import Path


def _without_implicit_paths() -> list[str]:
    """``sys.path`` without the working folder and this script's folder.

    ``python -m streamlit`` puts the working folder first on ``sys.path`` and Streamlit adds the
    script's folder. A ``runway/`` folder where the dashboard was started (the parent of a
    checkout) is then imported as an empty namespace package ahead of the installed ``runway``,
    and every page fails with "module 'runway' has no attribute 'Client'".
    """
    try:
        implicit = {Path.cwd().resolve(), Path(__file__).resolve().parent}
    except OSError:  # the working folder was deleted: nothing there can shadow anything
        implicit = {Path(__file__).resolve().parent}
    return [p for p in sys.path if Path(p or ".").resolve() not in implicit]


# Runway is imported with those entries off, here in the app rather than in `runway ui`, so that
# every way of starting it (`runway up`, `streamlit run`, AppTest) is covered and the working
# folder stays the user's (relative database paths, .streamlit/config.toml). Once imported, the
# packages are found through sys.modules and their own __path__; the entries are put back for
# whoever else runs in this process (AppTest runs the app inside the test process).
_saved_path = list(sys.path)
sys.path[:] = _without_implicit_paths()
try:
    import streamlit as st

    from runway.ui.session import PAGES, tracking_uri
finally:
    sys.path[:] = _saved_path

st.set_page_config(
    page_title="Runway", page_icon="🛫", layout="wide", initial_sidebar_state="collapsed"
)

TITLES = {
    "projects": "Projects",
    "project": "Project",
    "experiment": "Experiment",
    "run": "Run",
    "compare": "Compare",
    "sweeps": "Sweeps",
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
