"""/docs and /redoc are served whole by Runway: every script, style and icon they load is one of
the server's own URLs (no CDN), and each of those answers."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient


class _Loads(HTMLParser):
    """The URLs a page makes the browser fetch: script src, link href, img src."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src"}.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.urls.append(value)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_page_loads_nothing_from_another_host(client: TestClient, page: str) -> None:
    answer = client.get(page)
    assert answer.status_code == 200
    loads = _Loads()
    loads.feed(answer.text)
    assert any(url.endswith(".js") for url in loads.urls), loads.urls
    for url in loads.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{page} loads {url} from another host"
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url
    # Nor anything the page's own script would fetch: fonts, the validator badge, a CDN.
    assert "http://" not in answer.text and "https://" not in answer.text


def test_the_assets_have_their_media_types(client: TestClient) -> None:
    js = client.get("/docs/assets/swagger-ui-bundle.js")
    assert js.headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle" in js.text
    assert client.get("/docs/assets/swagger-ui.css").headers["content-type"].startswith("text/css")
    assert client.get("/docs/assets/favicon.png").headers["content-type"] == "image/png"


@pytest.mark.parametrize("name", ["core.py", "__init__.py", "swagger-ui-bundle.js.map", "x"])
def test_only_the_named_assets_are_served(client: TestClient, name: str) -> None:
    answer = client.get(f"/docs/assets/{name}")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "NOT_FOUND"
