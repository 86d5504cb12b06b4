"""Liveness probe for load balancers and the test fixtures."""

from __future__ import annotations

from fastapi import APIRouter

from runway_core import __version__

from ..schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    return Health(status="ok", version=__version__)
