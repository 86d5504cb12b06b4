"""What ``GET /healthz`` answers: the overall status, the version, and one check per part."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from runway_core.schemas._common import Schema

CheckStatus = Literal["ok", "failing"]


class HealthCheck(Schema):
    """One part the server needs (``database``, ``artifacts``): whether it answered, how fast."""

    status: CheckStatus
    seconds: float = Field(description="how long the check took")
    error: str | None = Field(None, description="why the part failed, when it did")


class HealthReport(Schema):
    """``status`` is ``ok`` when every check is (HTTP 200), else ``failing`` (HTTP 503)."""

    status: CheckStatus
    version: str
    checks: dict[str, HealthCheck] = Field(default_factory=dict)

    @classmethod
    def of(cls, version: str, checks: dict[str, HealthCheck]) -> HealthReport:
        failing = any(c.status != "ok" for c in checks.values())
        return cls(status="failing" if failing else "ok", version=version, checks=checks)
