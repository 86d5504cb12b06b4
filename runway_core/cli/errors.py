"""Turn errors into one readable line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import sys
from typing import Any

from runway_core.errors import RunwayError


def run_cli(app: Any) -> None:
    try:
        app(standalone_mode=True)
    except RunwayError as exc:
        _fail(f"error: {exc.message}")
    except (OSError, ValueError) as exc:
        if os.environ.get("RUNWAY_DEBUG"):
            raise
        _fail(f"error: {exc}")
    except KeyboardInterrupt:
        _fail("interrupted", code=130)


def _fail(message: str, code: int = 1) -> None:
    print(message, file=sys.stderr)
    sys.exit(code)
