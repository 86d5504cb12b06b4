"""Base of every wire shape, and the id and clock helpers shared with the table models."""

from __future__ import annotations

import time
import uuid

from pydantic import BaseModel, ConfigDict


def new_id() -> str:
    return uuid.uuid4().hex


def now_ms() -> int:
    return int(time.time() * 1000)


class Schema(BaseModel):
    """A request or response shape. ``from_attributes``: built from table rows as well as dicts."""

    model_config = ConfigDict(from_attributes=True)
