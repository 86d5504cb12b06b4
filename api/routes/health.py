"""Health probe for load balancers, monitors and the test fixtures: 200 when the database and
the artifact storage answer, 503 naming the part that does not."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from runway_core.schemas.health import HealthReport

from ..deps import StoreDep

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    response_model=HealthReport,
    responses={503: {"model": HealthReport, "description": "a part is failing"}},
)
async def healthz(store: StoreDep, response: Response) -> HealthReport:
    """``{"status": "ok", "version": …, "checks": {"database": {…}, "artifacts": {…}}}``; each
    check has ``status``, ``seconds`` and, when failing, ``error``."""
    report = await run_in_threadpool(store.check_health)
    if report.status != "ok":
        response.status_code = 503
    return report
