"""Id and clock helpers shared by the table models."""

from __future__ import annotations

import time
import uuid


def new_id() -> str:
    return uuid.uuid4().hex


def now_ms() -> int:
    return int(time.time() * 1000)
