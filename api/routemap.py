"""The app's routes with their full paths, for the middleware and error handlers that run
outside routing: which path parameter holds a character, which methods a path allows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def leaf_routes(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(prefix, route) for every route with a ``path_regex``, through included routers (FastAPI
    keeps those nested, with their prefix, rather than copying their routes)."""
    for route in routes:
        if getattr(route, "path_regex", None) is not None:
            yield prefix, route
        elif getattr(route, "original_router", None) is not None:
            context = getattr(route, "include_context", None)
            inner = prefix + str(getattr(context, "prefix", ""))
            yield from leaf_routes(route.original_router.routes, inner)


def app_routes(app: Any) -> Iterator[tuple[str, Any]]:
    return leaf_routes(getattr(getattr(app, "router", None), "routes", ()))


def allowed_methods(app: Any, path: str) -> list[str]:
    """The methods some route answers at ``path`` (for a 405's ``Allow`` header)."""
    # The routes of the most literal templates that match: "/runs/bulk" is its own path, although
    # "/runs/{run_id}" matches it too (and would answer its GET with a 404).
    matching: list[tuple[int, set[str]]] = []
    for prefix, route in app_routes(app):
        if path.startswith(prefix) and route.path_regex.match(path[len(prefix) :]):
            params = len(route.path_regex.groupindex)
            matching.append((params, set(getattr(route, "methods", None) or ())))
    fewest = min((params for params, _ in matching), default=0)
    allowed = set().union(*(methods for params, methods in matching if params == fewest))
    return [m for m in _METHODS if m in allowed]
