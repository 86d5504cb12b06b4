"""Headers every response carries, and CORS (closed unless ``RUNWAY_CORS_ORIGINS`` opens it).

* ``X-Content-Type-Options: nosniff`` — a browser never runs a JSON answer or a downloaded
  artifact as script or style.
* ``X-Frame-Options: DENY`` and CSP ``frame-ancestors 'none'`` — no page may frame the API.
* ``Referrer-Policy: no-referrer`` — URLs (run ids, artifact paths) never leak to other sites.
* ``Cache-Control: no-store`` on JSON answers that set no caching of their own — proxies and
  browsers keep no copy of what a token allowed to read.
* ``Strict-Transport-Security`` only on requests that arrived over https (directly, or through a
  reverse proxy Uvicorn trusts to say so with ``X-Forwarded-Proto``); sent over plain http it
  would be ignored at best, and would pin a name to https that may not serve it.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runway_core.config import Settings

ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}
HSTS = "max-age=31536000"  # a year; no includeSubDomains: other hosts of the domain are not ours


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("application/json"):
                    headers.setdefault("Cache-Control", "no-store")
                if https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security_headers(app: FastAPI, settings: Settings) -> None:
    """Security headers on every response; CORS only for the origins the settings name."""
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=False,  # tokens travel in a header, never in cookies
            max_age=600,
        )
    # Added after CORS, so it wraps it: preflight answers carry the headers too.
    app.add_middleware(SecurityHeaders)
