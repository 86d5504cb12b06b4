"""Shared by every page: the cached ``runway.Client``, URL parameters, links, empty states."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st

from runway_core.config import resolve_tracking_uri
from runway_core.errors import (
    InvalidFilter,
    NotFound,
    RunwayError,
    StoreUnavailable,
    Unauthorized,
)

# Page scripts, relative to app.py; st.navigation registers them under these URL paths.
PAGES = {
    "projects": "views/projects.py",
    "project": "views/project.py",
    "experiment": "views/experiment.py",
    "run": "views/run.py",
    "compare": "views/compare.py",
    "sweeps": "views/sweeps.py",
}

SDK_SNIPPET = """import runway

run = runway.init(project="digits", experiment="svm", params={"C": 1.0})
for step in range(10):
    run.log({"loss": 1 / (step + 1)}, step=step)
run.finish()"""

HISTORY_POINTS = 500  # points per curve asked of the server; it downsamples longer series


def tracking_uri() -> str:
    """``RUNWAY_TRACKING_URI`` resolved as everywhere else (a relative path made absolute, so
    the dashboard does not depend on the folder it is started from)."""
    return resolve_tracking_uri()


TOKEN_KEY = "runway.token"  # this browser session's API token, in st.session_state only


@st.cache_resource(show_spinner=False)
def _client_for(uri: str) -> Any:
    import runway

    # Shared by every session, so never with a token (not even RUNWAY_TOKEN of this process).
    return runway.Client(uri, token="")


def client() -> Any:
    """The ``runway.Client`` of this page view: with this browser session's token when it gave
    one (a client of its own, kept in its session state), else the process's shared one."""
    token = st.session_state.get(TOKEN_KEY)
    if not token:
        return _client_for(tracking_uri())
    cached = st.session_state.get(TOKEN_KEY + ".client")
    if cached is None or cached[0] != (tracking_uri(), token):
        import runway

        cached = ((tracking_uri(), token), runway.Client(tracking_uri(), token=token))
        st.session_state[TOKEN_KEY + ".client"] = cached
    return cached[1]


def ask_for_token(message: str) -> None:
    """The server wants an API token: ask for one, for this browser session only."""
    st.warning(f"The Runway server asks for an API token: {message}")
    with st.form("runway-token"):
        token = st.text_input(
            "API token", type="password", help="runway token create NAME", key=TOKEN_KEY + ".input"
        )
        if st.form_submit_button("Sign in") and token.strip():
            st.session_state[TOKEN_KEY] = token.strip()
            st.rerun()


def param(name: str, default: str = "") -> str:
    value = st.query_params.get(name)
    return value if value else default


def param_list(name: str) -> list[str]:
    """A comma-separated URL parameter (``runs=a,b``) as a list, blanks dropped."""
    return [part for part in param(name).split(",") if part.strip()]


def set_params(**values: str | None) -> None:
    """Keep page state in the URL so the address bar is always a shareable deep link."""
    for key, value in values.items():
        if value:
            if st.query_params.get(key) != value:
                st.query_params[key] = value
        elif key in st.query_params:
            del st.query_params[key]


def go(page: str, **params: str) -> None:
    st.switch_page(PAGES[page], query_params={k: v for k, v in params.items() if v})


def link(page: str, label: str, **params: str) -> None:
    st.page_link(PAGES[page], label=label, query_params={k: v for k, v in params.items() if v})


def empty_state(message: str) -> None:
    """What to do next on an empty page: the SDK snippet and the demo command."""
    st.info(message)
    st.markdown("Log a run from any Python script:")
    st.code(SDK_SNIPPET, language="python")
    st.markdown("Or fill a sample project with `runway demo` (scikit-learn's digits dataset).")
    st.caption(f"Tracking URI: `{tracking_uri()}`")


def filter_error(exc: InvalidFilter) -> str:
    """What is wrong with a search filter and the column where it stops parsing, if known."""
    where = f" (at column {exc.position})" if exc.position is not None else ""
    return f"Invalid filter{where}: {exc.message}"


@contextmanager
def errors_shown() -> Iterator[None]:
    """Turn store errors into a readable message on the page instead of a stack trace."""
    try:
        yield
    except Unauthorized as exc:
        ask_for_token(exc.message)
    except NotFound as exc:
        st.error(exc.message[:1].upper() + exc.message[1:] + ".")  # "Run 'x' not found."
        link("projects", "← All projects")
    except InvalidFilter as exc:
        st.error(filter_error(exc))
    except StoreUnavailable as exc:
        st.error(f"The tracking store at `{tracking_uri()}` cannot be reached: {exc.message}")
    except RunwayError as exc:
        st.error(exc.message)


def status_badge(status: str) -> str:
    colour = {
        "running": "blue",
        "finished": "green",
        "failed": "red",
        "killed": "orange",
        "crashed": "violet",
        "queued": "gray",
    }.get(status, "gray")
    return f":{colour}-badge[{status}]"
