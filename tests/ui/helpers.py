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


def table_key(at: Any, index: int = 0) -> str:
    """The key a table was drawn with (element ids end in ``-<key>``)."""
    return str(at.dataframe[index].proto.id).split("-", 2)[2]


def select(at: Any, names: list[str], *, index: int = 0, column: str = "name") -> Any:
    """Tick the rows showing ``names`` in a table as drawn, as a click in the browser would."""
    shown = table(at, index)[column].tolist()
    rows = [shown.index(name) for name in names]
    at.session_state[table_key(at, index)] = {
        "selection": {"rows": rows, "columns": [], "cells": []}
    }
    return at.run()


def button(at: Any, prefix: str) -> Any:
    """The one button whose label starts with ``prefix``."""
    (found,) = [b for b in at.button if b.label.startswith(prefix)]
    return found


def captions(at: Any) -> list[str]:
    return [c.value for c in at.caption]
