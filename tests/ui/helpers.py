"""Reading what an AppTest page shows: figures, tables, code blocks, messages."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd


def figures(at: Any) -> list[dict[str, Any]]:
    """Every Plotly chart on the page as its figure JSON (data + layout)."""
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def traces(figure: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t.get("name", ""): t for t in figure["data"]}


def table(at: Any, index: int = 0) -> pd.DataFrame:
    return at.dataframe[index].value


def codes(at: Any) -> list[str]:
    return [c.value for c in at.code]


def errors(at: Any) -> list[str]:
    return [e.value for e in at.error]


def no_exception(at: Any) -> None:
    assert not at.exception, [e.value for e in at.exception]
