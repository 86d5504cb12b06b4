"""Row selection in a real browser: ticks clicked in Streamlit's grid stay on the runs ticked
through paging and sorting, and a click acts on the rows that were on the screen.

AppTest sets a table's selection directly; only a browser shows what the grid draws ticked and
sends the positions of a click, which is where positions and runs came apart.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from runway_core.schemas import ProjectCreate
from runway_core.store.sql import SqlStore
from tests.conftest import free_port
from tests.ui.browser import exceptions, kill_group, render, screenshot, start_cli, wait_http
from tests.ui.conftest import Seeded, seed_runs

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

ROW = 35  # Streamlit's grid: header and rows 35 px high; the tick boxes in the first 30 px


@pytest.fixture
def dashboard(seeded: Seeded, tmp_path: Path) -> Iterator[str]:
    """``runway ui`` on the seeded database; its URL."""
    port = free_port()
    log = tmp_path / "ui.log"
    proc = start_cli(["ui", "--port", str(port), "--tracking-uri", seeded.uri], log, tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(proc, f"{url}/_stcore/health", log, timeout=120)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            kill_group(proc)


def _grid(page: Any) -> Any:
    return page.locator('[data-testid="stDataFrame"]').first


def _click_cell(page: Any, row: int, x: float = 15) -> None:
    """Click in the grid as drawn: ``row`` 0 is the first data row, -1 the header."""
    box = _grid(page).locator("canvas").first.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + ROW * (row + 1) + ROW / 2)


def _rows(page: Any, selector: str = "tr") -> list[str]:
    """First cells of the grid's rows, read from its accessible table (what is drawn)."""
    rows = _grid(page).locator(selector)
    return [rows.nth(i).locator("th, td").first.inner_text() for i in range(rows.count())]


def _ticked(page: Any) -> list[str]:
    return _rows(page, 'tr[aria-selected="true"]')


def _settle(page: Any) -> None:
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(1000)


def _arrive(page: Any, path: str, title: str) -> None:
    """Wait until a click has taken the browser to ``path`` and its page has drawn."""
    page.wait_for_url(lambda url: urlparse(url).path == path, timeout=60_000)
    page.wait_for_function(
        "t => [...document.querySelectorAll('h1')].some(h => h.innerText.includes(t))",
        arg=title,
        timeout=60_000,
    )
    _settle(page)


def _captions(page: Any) -> str:
    boxes = page.locator('[data-testid="stCaptionContainer"]').all()
    return "\n".join(c.inner_text() for c in boxes)


def test_ticks_stay_on_their_runs_through_paging_and_sorting(
    seeded: Seeded, dashboard: str, browser: Any
) -> None:
    ids = seed_runs(seeded.uri, "digits", "big", 130)
    page = browser
    render(page, f"{dashboard}/experiment?project=digits&experiment=big", "big")
    assert _rows(page)[1:4] == ["big-0129", "big-0128", "big-0127"]
    _click_cell(page, 2)
    _settle(page)
    assert _ticked(page) == ["big-0127"]

    page.get_by_role("button", name="Next →").click()
    _settle(page)
    assert _rows(page)[1] == "big-0029"
    assert _ticked(page) == []  # the third row of page 2 is another run
    assert "not on this page: big-0127" in _captions(page)

    page.get_by_role("button", name="← Previous").click()
    _settle(page)
    assert _ticked(page) == ["big-0127"]
    _click_cell(page, -1, x=100)  # sort by name in the browser: big-0030 comes first
    page.wait_for_timeout(800)
    assert _rows(page)[1] == "big-0030"
    _click_cell(page, 0)
    _settle(page)
    assert _ticked(page) == ["big-0030"]  # the grid draws the rows in view only
    assert "2 selected" in _captions(page)
    screenshot(page, "selection-sorted")
    page.get_by_role("button", name="Compare selected (2)").click()
    _arrive(page, "/compare", "Compare runs")
    assert not exceptions(page)
    runs = parse_qs(urlparse(page.url).query)["runs"][0].split(",")
    assert sorted(runs) == sorted([ids["big-0127"], ids["big-0030"]])


def test_a_click_opens_the_row_on_the_screen_when_the_list_changed_meanwhile(
    seeded: Seeded, dashboard: str, browser: Any
) -> None:
    store = SqlStore(seeded.uri)
    ids = {n: store.create_project(ProjectCreate(name=n)).id for n in ("alpha", "beta", "gamma")}
    page = browser
    render(page, f"{dashboard}/projects", "Projects")
    assert _rows(page)[1:] == ["digits", "alpha", "beta", "gamma"]
    store.delete_project(ids["alpha"])  # another user deletes a project
    store.close()
    _click_cell(page, 2)  # beta, as drawn
    _arrive(page, "/project", "")
    assert parse_qs(urlparse(page.url).query)["project"] == ["beta"]
    assert [h.inner_text() for h in page.locator("h1").all()] == ["beta"]
