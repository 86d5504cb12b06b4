"""``check_health`` over the REST API: the server's ``/healthz``, answered 200 or 503."""

from __future__ import annotations

import httpx

from runway_core.errors import StoreUnavailable
from runway_core.schemas.health import HealthReport
from runway_core.store.http.base import HttpBase, json_body


class HealthMixin(HttpBase):
    def check_health(self) -> HealthReport:
        """The server's own report; a 503 is a report too (naming the failing part), not an
        error. An unreachable server raises ``StoreUnavailable``."""
        try:
            response = self._client.get(self.base_url + "/healthz", headers=self._headers)
        except httpx.TransportError as exc:
            raise StoreUnavailable(
                f"cannot reach the Runway server at {self.base_url}: {exc or type(exc).__name__}"
            ) from exc
        return HealthReport.model_validate(json_body(response))
