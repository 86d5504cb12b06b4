"""Run search: a filter string, order_by, limit and a keyset page token (POST body or GET query)."""

from __future__ import annotations

from fastapi import APIRouter, Query

from runway_core.schemas import RunPage, RunSearch
from runway_core.schemas.search import MAX_SEARCH_LIMIT

from ..deps import SettingsDep, StoreDep
from ..limits import check_page_size

router = APIRouter(prefix="/runs", tags=["search"])


@router.post("/search", response_model=RunPage)
def search_runs(body: RunSearch, store: StoreDep, settings: SettingsDep) -> RunPage:
    """Search runs in one or more experiments, or a whole project.

    ``filter`` example: ``metrics.val_acc > 0.9 and (params.model = 'svm' or params.C >= 1)``.
    ``limit`` is at most ``RUNWAY_MAX_PAGE_SIZE`` (50,000 unless configured lower).
    """
    check_page_size(body.limit, settings)
    return store.search_runs(body)


@router.get("", response_model=RunPage)
def list_runs(
    store: StoreDep,
    settings: SettingsDep,
    project_id: str | None = None,
    experiment_id: list[str] = Query([], description="repeat for several experiments"),
    filter: str = "",
    order_by: list[str] = Query([], description="e.g. metrics.loss ASC; repeatable"),
    limit: int = Query(100, ge=1, le=MAX_SEARCH_LIMIT),
    page_token: str | None = None,
    include_deleted: bool = False,
    include_data: bool = True,
) -> RunPage:
    """The same search as ``POST /runs/search`` with query parameters."""
    check_page_size(limit, settings)
    search = RunSearch(
        project_id=project_id,
        experiment_ids=experiment_id,
        filter=filter,
        order_by=order_by,
        limit=limit,
        page_token=page_token,
        include_deleted=include_deleted,
        include_data=include_data,
    )
    return store.search_runs(search)
