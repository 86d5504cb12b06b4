"""Keyset paging of run search on SqlStore (SQLite, PostgreSQL) and HttpStore: every match
once, in order, and forged or misused page tokens refused as 400s naming ``page_token``."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from runway_core.errors import InvalidInput
from runway_core.schemas import RunSearch
from runway_core.store import Store


def _all_pages(store: Store, search: RunSearch) -> tuple[list[str], int]:
    ids: list[str] = []
    pages = 0
    token = None
    while True:
        page = store.search_runs(search.model_copy(update={"page_token": token}))
        pages += 1
        assert len(page.runs) <= search.limit
        ids += [r.id for r in page.runs]
        token = page.next_page_token
        if token is None:
            return ids, pages
        assert pages < 100, "paging does not end"


@pytest.mark.parametrize(
    "order_by",
    [
        [],
        ["metrics.acc DESC"],
        ["metrics.acc"],
        ["params.lr DESC"],
        ["params.lr", "metrics.acc DESC"],
        ["tags.fold DESC", "attributes.start_time"],
        ["attributes.name DESC"],
    ],
)
def test_paging_visits_every_run_once(store: Store, many: str, order_by: list[str]) -> None:
    search = RunSearch(experiment_ids=[many], order_by=order_by, limit=4)
    whole = [r.id for r in store.search_runs(search.model_copy(update={"limit": 100})).runs]
    assert len(whole) == 23
    paged, pages = _all_pages(store, search)
    assert paged == whole  # same order, no duplicates, no gaps
    assert pages == 6


def test_paging_with_filter_and_exact_multiple(store: Store, many: str) -> None:
    search = RunSearch(
        experiment_ids=[many], filter="metrics.acc >= 0.2", order_by=["metrics.acc DESC"], limit=2
    )
    whole = store.search_runs(search.model_copy(update={"limit": 100})).runs
    accs = [r.metrics["acc"].last for r in whole]
    assert accs == sorted(accs, reverse=True) and len(whole) == 10
    paged, pages = _all_pages(store, search)
    assert paged == [r.id for r in whole]
    assert pages == 5  # no empty page after an exactly full last page


@pytest.mark.parametrize(
    ("filter_", "order_by", "count"),
    [
        ("metrics.acc > 0.1 and metrics.acc < 0.4", ["metrics.acc"], 7),
        ("metrics.acc >= 0 and tags.fold != '1'", ["metrics.acc DESC", "tags.fold"], 8),
        ("params.lr < 1", ["params.lr DESC", "attributes.name"], 13),
        ("params.lr = 'auto' or metrics.acc > 0.3", ["params.lr"], 8),
        ("tags.fold in ('0', '2')", ["tags.fold", "metrics.acc DESC"], 11),
        ("attributes.start_time > 0", ["metrics.acc.max DESC"], 23),
        ("metrics.acc is null", ["metrics.acc"], 6),
    ],
)
def test_paging_filtered_sorted(
    store: Store, many: str, filter_: str, order_by: list[str], count: int
) -> None:
    search = RunSearch(experiment_ids=[many], filter=filter_, order_by=order_by, limit=3)
    whole = [r.id for r in store.search_runs(search.model_copy(update={"limit": 100})).runs]
    assert len(whole) == count
    paged, _ = _all_pages(store, search)
    assert paged == whole


def test_metric_sort_puts_missing_and_nan_last(store: Store, many: str) -> None:
    for order in ("DESC", "ASC"):
        runs = store.search_runs(
            RunSearch(experiment_ids=[many], order_by=[f"metrics.acc {order}"])
        ).runs
        values = [r.metrics["acc"].last if "acc" in r.metrics else None for r in runs]
        present = [v for v in values if v is not None]
        assert values == present + [None] * 6  # 4 runs without acc, 2 with NaN
        assert present == sorted(present, reverse=order == "DESC")


def test_page_token_is_checked(store: Store, many: str) -> None:
    search = RunSearch(experiment_ids=[many], order_by=["metrics.acc DESC"], limit=3)
    token = store.search_runs(search).next_page_token
    assert token is not None
    body = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))

    def forged(**change: Any) -> str:
        raw = json.dumps({**body, **change}).encode()
        return base64.urlsafe_b64encode(raw).decode()

    bad_tokens = [
        "not a token!",
        token[:-5],
        "e30",  # {}
        forged(v=["high"]),
        forged(v=[1.0, 2.0]),
        forged(id=7),
        forged(o="metrics.acc ASC"),
        forged(v=[float("nan")]),
        forged(v=[1e400]),
        forged(id="ab\x00"),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ]
    for bad in bad_tokens:
        with pytest.raises(InvalidInput) as info:
            store.search_runs(search.model_copy(update={"page_token": bad}))
        assert info.value.field == "page_token", bad
    with pytest.raises(InvalidInput) as info:  # a token used with another order
        store.search_runs(search.model_copy(update={"page_token": token, "order_by": []}))
    assert info.value.field == "page_token"
