"""Prometheus metrics at ``GET /metrics``: requests by route template, method and status, their
latency, and how much was ingested (metric points, write records).

With ``--workers N`` each worker is its own process with its own counters. ``runway server`` then
points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh folder before the workers start, every worker
writes its values there, and whichever worker answers a scrape sums them all
(prometheus-client's multiprocess mode): one scrape of the server's address sees the whole
server. A single process keeps its values in memory.
"""

from __future__ import annotations

import os
import time

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .routemap import app_routes

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # the route label of a request no route answers (bounded label values)


class ServerMetrics:
    """The app's metric objects, in a registry of its own (several apps may share a process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        labels = ("method", "route", "status")
        self.requests = Counter(
            "runway_http_requests",
            "HTTP requests answered, by route template, method and status",
            labels,
            registry=self.registry,
        )
        self.latency = Histogram(
            "runway_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template, method and status",
            labels,
            registry=self.registry,
        )
        self.points = Counter(
            "runway_metric_points_ingested",
            "Metric points stored (duplicate batches not counted)",
            registry=self.registry,
        )
        self.writes = Counter(
            "runway_writes_ingested",
            "Write records applied through POST /api/v1/writes",
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        """The text a scrape gets: this process's values, or every worker's in multiprocess
        mode."""
        if os.environ.get(MULTIPROC_ENV):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)


def server_metrics(app: object) -> ServerMetrics:
    metrics: ServerMetrics = app.state.server_metrics  # type: ignore[attr-defined]
    return metrics


def count_ingest(request: Request, *, points: int = 0, writes: int = 0) -> None:
    """Add to the ingest counters of the app serving ``request``."""
    metrics = server_metrics(request.app)
    if points:
        metrics.points.inc(points)
    if writes:
        metrics.writes.inc(writes)


def route_template(scope: Scope) -> str:
    """``/api/v1/runs/{run_id}``, never the concrete path: label values stay few. Written as the
    OpenAPI document writes it (``{path}``, not ``{path:path}``)."""
    app = scope.get("app")
    path = str(scope.get("path", ""))
    for prefix, route in app_routes(app):
        if path.startswith(prefix) and route.path_regex.match(path[len(prefix) :]):
            methods = getattr(route, "methods", None)
            if methods is None or scope.get("method") in methods:
                return prefix + str(route.path).replace(":path}", "}")
    return UNMATCHED


class RequestMetrics:
    """Counts and times every HTTP request (errors included) by route template."""

    def __init__(self, app: ASGIApp, metrics: ServerMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # what the client gets when the app raises

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            method = scope.get("method", "")
            labels = (
                method if method in _METHODS else "OTHER",
                route_template(scope),
                str(status),
            )
            self.metrics.requests.labels(*labels).inc()
            self.metrics.latency.labels(*labels).observe(time.perf_counter() - start)


def install_metrics(app: FastAPI) -> None:
    """``GET /metrics`` and the request middleware (added last, so it times everything)."""
    metrics = ServerMetrics()
    app.state.server_metrics = metrics

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(RequestMetrics, metrics=metrics)
