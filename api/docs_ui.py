"""The API's browsable documentation, ``/docs`` (Swagger UI) and ``/redoc``, served whole by
this server: their scripts, styles and icon come from the installed ``fastapi-offline``
package, never from a CDN, so the pages work on a machine with no internet access."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import FileResponse, HTMLResponse

from runway_core.errors import NotFound

ASSETS_PATH = "/docs/assets"
# The files the two pages load, with their media types; nothing else is served from there.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}


# The pages may load only from this server (ReDoc's sidebar would fetch its maker's logo from
# a CDN: the browser refuses it instead); inline script and style are the pages' own.
PAGE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "frame-ancestors 'none'"
)


def _page(html: HTMLResponse) -> HTMLResponse:
    html.headers["Content-Security-Policy"] = PAGE_CSP
    return html


STATIC = Path(fastapi_offline.__file__).parent / "static"


def install_docs(app: FastAPI) -> None:
    """``/docs``, ``/docs/oauth2-redirect``, ``/redoc`` and their assets (build the app with
    ``docs_url=None, redoc_url=None`` so FastAPI's CDN-backed pages are not there too)."""
    title = app.title

    def root(request: Request) -> str:
        # Behind a proxy that serves the API under a prefix, the page's URLs carry the prefix.
        return str(request.scope.get("root_path", "")).rstrip("/")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        base = root(request)
        return _page(
            get_swagger_ui_html(
                openapi_url=f"{base}/openapi.json",
                title=f"{title} - Swagger UI",
                swagger_js_url=f"{base}{ASSETS_PATH}/swagger-ui-bundle.js",
                swagger_css_url=f"{base}{ASSETS_PATH}/swagger-ui.css",
                swagger_favicon_url=f"{base}{ASSETS_PATH}/favicon.png",
                oauth2_redirect_url=f"{base}/docs/oauth2-redirect",
                # No badge image from the public validator service.
                swagger_ui_parameters={"validatorUrl": None},
            )
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        base = root(request)
        return _page(
            get_redoc_html(
                openapi_url=f"{base}/openapi.json",
                title=f"{title} - ReDoc",
                redoc_js_url=f"{base}{ASSETS_PATH}/redoc.standalone.js",
                redoc_favicon_url=f"{base}{ASSETS_PATH}/favicon.png",
                with_google_fonts=False,
            )
        )

    @app.get(ASSETS_PATH + "/{name}", include_in_schema=False)
    async def asset(name: str) -> FileResponse:
        media_type = ASSETS.get(name)
        if media_type is None:
            raise NotFound(f"no documentation asset {name!r}", field="name")
        return FileResponse(
            STATIC / name,
            media_type=media_type,
            headers={"Cache-Control": "public, max-age=86400"},
        )
