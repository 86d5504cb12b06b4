"""Id and clock helpers of the table models (defined with the wire shapes, which need them too)."""

from runway_core.schemas._common import new_id, now_ms

__all__ = ["new_id", "now_ms"]
