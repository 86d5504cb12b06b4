"""Turn errors into one readable line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import sys
from typing import Any

from runway_core.config import settings
from runway_core.errors import RunwayError


def run_cli(app: Any) -> None:
    try:
        app(standalone_mode=True)
    except RunwayError as exc:
        _fail(f"error: {exc.message}")
    except (OSError, ValueError) as exc:
        if _debug():
            raise
        _fail(f"error: {exc}")
    except KeyboardInterrupt:
        _fail("interrupted", code=130)


def _debug() -> bool:
    """``RUNWAY_DEBUG``: show the traceback (an unreadable setting counts as no)."""
    try:
        return settings().debug
    except RunwayError:
        return False


def _fail(message: str, code: int = 1) -> None:
    print(message, file=sys.stderr)
    sys.exit(code)
