"""The MLflow tracking REST API over Runway's store, so the MLflow client logs into Runway.

``router`` serves ``/api/2.0/mlflow/*`` and ``/ajax-api/2.0/mlflow/*`` (experiments, runs,
metrics, artifact listing) and ``/api/2.0/mlflow-artifacts/*`` (proxied artifact upload,
download and listing). Errors come out in MLflow's shape on these paths only; an MLflow
endpoint Runway does not serve (model registry, traces, logged models …) answers
``ENDPOINT_NOT_FOUND`` naming it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from . import artifacts, experiments, metrics, run_data, runs
from .errors import MlflowError, MlflowRoute

PREFIXES = ("/api/2.0", "/ajax-api/2.0")


def _tracking_router() -> APIRouter:
    tracking = APIRouter(route_class=MlflowRoute, tags=["mlflow"], include_in_schema=False)
    for module in (experiments, runs, run_data, metrics):
        tracking.include_router(module.router)
    tracking.include_router(artifacts.router)
    return tracking


async def _unsupported(request: Request) -> None:
    raise MlflowError(
        f"{request.method} {request.url.path} is an MLflow endpoint Runway does not serve "
        "(Runway serves MLflow tracking: experiments, runs, metrics and artifacts)",
        "ENDPOINT_NOT_FOUND",
        404,
    )


def _build() -> APIRouter:
    root = APIRouter(route_class=MlflowRoute, include_in_schema=False)
    tracking = _tracking_router()
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    for prefix in PREFIXES:
        root.include_router(tracking, prefix=f"{prefix}/mlflow")
        root.include_router(artifacts.proxy, prefix=f"{prefix}/mlflow-artifacts")
        root.add_api_route(f"{prefix}/mlflow/{{rest:path}}", _unsupported, methods=methods)
        root.add_api_route(
            f"{prefix}/mlflow-artifacts/{{rest:path}}", _unsupported, methods=methods
        )
    return root


router = _build()

__all__ = ["router"]
