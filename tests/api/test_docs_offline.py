"""/docs of a real ``runway server`` renders in headless Chromium with no network beyond the
server: every request to another host is refused (and name resolution too), and Swagger UI must
still draw the operation list from the assets Runway serves itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import LiveServer
from tests.ui.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, require_chromium

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def _offline_page(pw: Any, host: str) -> tuple[Any, Any, list[str]]:
    """A Chromium page that reaches ``host`` (``127.0.0.1:port``) and nothing else; the list
    collects every URL it tried to fetch from elsewhere."""
    # No name resolves: even a request the router below missed could not leave the machine.
    args = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
    chromium = pw.chromium.launch(executable_path=CHROMIUM, args=args)
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    elsewhere: list[str] = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob") or parts.netloc == host:
            request_route.continue_()
        else:
            elsewhere.append(url)
            request_route.abort()

    page.route("**/*", route)
    return chromium, page, elsewhere


def _console_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    return errors


def test_swagger_ui_renders_without_internet(
    live_server_factory: Callable[..., LiveServer], tmp_path: Path
) -> None:
    require_chromium()
    from playwright.sync_api import sync_playwright

    server = live_server_factory()
    host = urlsplit(server.url).netloc
    document = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
    operations = sum(
        1
        for item in document["paths"].values()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    )
    with sync_playwright() as pw:
        chromium, page, elsewhere = _offline_page(pw, host)
        errors = _console_errors(page)
        try:
            page.goto(f"{server.url}/docs", timeout=60_000)
            # Swagger UI draws one block per operation once it has fetched /openapi.json.
            page.wait_for_function(
                "n => document.querySelectorAll('.opblock').length >= n",
                arg=operations,
                timeout=60_000,
            )
            title = page.inner_text(".information-container .title")
            assert "Runway" in title
            assert page.locator(".opblock-summary-path").first.inner_text().startswith("/")
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shot = SCREENSHOTS / "api-docs.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 20_000  # a drawn page, not a blank one
            assert errors == []

            page.goto(f"{server.url}/redoc", timeout=60_000)
            page.wait_for_selector("h1", timeout=60_000)
            assert "Runway" in page.inner_text("h1")
            page.wait_for_function(
                "() => document.querySelectorAll('[data-section-id]').length > 10",
                timeout=60_000,
            )
            # ReDoc's sidebar asks for its maker's logo on a CDN: the page's CSP refuses it.
            assert all("Content Security Policy" in e for e in errors), errors
        finally:
            chromium.close()
    assert elsewhere == [], f"the pages asked for other hosts: {elsewhere}"
