"""Headless Chromium for the dashboard tests: launch, wait for Streamlit to render, screenshot."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skip (with the reason shown) where Chromium or Playwright is missing; in CI, fail."""
    reason = None
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} not installed (apt-get install chromium)"
    elif not _playwright_available():
        reason = "playwright (Python) not installed: pip install 'runway-tracker[dev]'"
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " — CI must run the browser tests")
        pytest.skip(reason)


def _playwright_available() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def start_cli(args: list[str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    """``runway <args>`` in its own session, output to ``log``."""
    with log.open("wb") as out:
        # Own session: the test can signal `runway up` alone, and clean up its group if it hangs.
        return subprocess.Popen(
            [sys.executable, "-m", "runway.cli", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
        )


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def chromium_page() -> Iterator[Any]:
    """A headless Chromium page (1400 x 1000), closed afterwards; skips without Chromium."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        yield page
        chromium.close()


def wait_http(proc: subprocess.Popen[bytes], url: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(
                f"process exited ({proc.returncode}) before {url}:\n{log.read_text()}"
            )
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} not ready after {timeout:.0f} s:\n{log.read_text()}")


def render(page: Any, url: str, title: str, *, plots: int = 0, timeout_ms: int = 90_000) -> None:
    """Open ``url`` and wait until Streamlit has finished the script run and drawn the charts."""
    page.goto(url)
    page.wait_for_selector("h1", timeout=timeout_ms)
    page.wait_for_function(
        "t => [...document.querySelectorAll('h1')].some(h => h.innerText.includes(t))",
        arg=title,
        timeout=timeout_ms,
    )
    page.wait_for_function(
        "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
        arg=plots,
        timeout=timeout_ms,
    )
    # The status widget shows while the script runs; settle once it has gone.
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms
    )
    page.wait_for_timeout(1500)


def exceptions(page: Any) -> list[str]:
    """Streamlit exception boxes, and dialogs such as "Page not found" for a bad address."""
    boxes = page.locator('[data-testid="stException"], [role="dialog"]')
    return [boxes.nth(i).inner_text() for i in range(boxes.count())]


def screenshot(page: Any, name: str, width: int = 1400) -> Path:
    """The whole page: Streamlit scrolls inside its own container, so grow the viewport to it."""
    height = page.evaluate(
        "() => (document.querySelector('[data-testid=\"stMainBlockContainer\"]') || document.body)"
        ".scrollHeight"
    )
    page.set_viewport_size({"width": width, "height": min(int(height) + 120, 6000)})
    page.wait_for_timeout(800)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": width, "height": 1000})
    return path
