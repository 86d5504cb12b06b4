"""Run search on the wire: the request and a page of results."""

from __future__ import annotations

from pydantic import Field, StrictBool

from runway_core.schemas._common import Schema
from runway_core.schemas._rules import JsonInt
from runway_core.schemas.run import RunPublic

MAX_SEARCH_LIMIT = 50_000


class RunSearch(Schema):
    """Search runs in one or more experiments, or in a whole project."""

    project_id: str | None = None
    experiment_ids: list[str] = Field(default_factory=list)
    filter: str = ""
    order_by: list[str] = Field(default_factory=list)
    limit: JsonInt = Field(default=100, ge=1, le=MAX_SEARCH_LIMIT)
    page_token: str | None = None
    include_deleted: StrictBool = False
    # False: params/tags/metric summaries are not loaded (faster listing of many runs).
    include_data: StrictBool = True


class RunPage(Schema):
    runs: list[RunPublic]
    next_page_token: str | None = None
    hints: list[str] = Field(
        default_factory=list,
        description="why an empty first page may be empty: a key of the filter that no run in "
        "scope has, and the nearest keys that runs do have",
    )
