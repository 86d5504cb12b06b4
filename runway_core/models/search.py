"""Request and response shapes of run search."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from runway_core.models.run import RunPublic

MAX_SEARCH_LIMIT = 50_000


class RunSearch(SQLModel):
    """Search runs in one or more experiments, or in a whole project."""

    project_id: str | None = None
    experiment_ids: list[str] = Field(default_factory=list)
    filter: str = ""
    order_by: list[str] = Field(default_factory=list)
    limit: int = Field(default=100, ge=1, le=MAX_SEARCH_LIMIT)
    page_token: str | None = None
    include_deleted: bool = False
    # False: params/tags/metric summaries are not loaded (faster listing of many runs).
    include_data: bool = True


class RunPage(SQLModel):
    runs: list[RunPublic]
    next_page_token: str | None = None
