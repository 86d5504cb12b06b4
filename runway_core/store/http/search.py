"""Run search over the REST API."""

from __future__ import annotations

from runway_core.schemas import RunPage, RunSearch
from runway_core.store.http.base import HttpBase, dump


class SearchMixin(HttpBase):
    def search_runs(self, search: RunSearch) -> RunPage:
        return RunPage.model_validate(self._request("POST", "/runs/search", content=dump(search)))
