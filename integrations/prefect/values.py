"""Turning what Prefect hands a hook (parameters, states, tags) into what a Runway run holds."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any

# Prefect state type (its ``StateType`` value) → the Runway status a run ends with.
FINAL_STATUS = {
    "COMPLETED": "finished",
    "FAILED": "failed",
    "CRASHED": "failed",
    "CANCELLED": "killed",
    "CANCELLING": "killed",
}
TRIAL_TAG_PREFIX = "runway-run:"
_MESSAGE_LIMIT = 1000


def plain(value: Any, _depth: int = 0) -> Any:
    """A JSON-ready copy of a parameter value: Pydantic models and dataclasses become dicts
    (which Runway flattens to dotted keys), other objects their text."""
    if _depth > 20:
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return plain(value.value, _depth + 1)
    if hasattr(value, "model_dump") and callable(value.model_dump):
        try:
            return plain(value.model_dump(mode="json"), _depth + 1)
        except Exception:
            return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return plain(fields, _depth + 1)
    if isinstance(value, Mapping):
        return {str(k): plain(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v, _depth + 1) for v in value]
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)  # UUIDs, paths, anything else: its text


def params_of(parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    return {str(k): plain(v) for k, v in (parameters or {}).items()}


def epoch_ms(when: dt.datetime | None) -> int | None:
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return int(when.timestamp() * 1000)


def state_type(state: Any) -> str:
    kind = getattr(state, "type", None)
    return str(getattr(kind, "value", kind or "")).upper()


def final_status(state: Any, *, interrupted: bool = False) -> str:
    """``finished``, ``failed`` or ``killed`` for a final Prefect state (failed when unknown).
    A run that did not complete because its process was interrupted (Ctrl-C, SIGTERM: Prefect
    calls it crashed) is ``killed``."""
    status = FINAL_STATUS.get(state_type(state), "failed")
    if status == "failed" and (interrupted or _by_interrupt(state)):
        return "killed"
    return status


def _by_interrupt(state: Any) -> bool:
    """Prefect's crashed state for a ``KeyboardInterrupt`` or a SIGTERM ("Execution was aborted
    by an interrupt signal." / "… by a termination signal.")."""
    message = state_message(state).lower()
    return state_type(state) == "CRASHED" and (
        "interrupt signal" in message or "termination signal" in message
    )


def state_message(state: Any) -> str:
    message = getattr(state, "message", None) or ""
    return message[:_MESSAGE_LIMIT]


def final_tags(state: Any, retries: int) -> dict[str, str]:
    """Tags a run gets when it ends: the Prefect state's name and message, the retry count."""
    tags = {"prefect.state": getattr(state, "name", None) or state_type(state).title()}
    tags["prefect.retries"] = str(max(retries, 0))
    message = state_message(state)
    if message:
        tags["prefect.state_message"] = message
    return tags


def trial_run_id(tags: Any) -> str | None:
    """The Runway run a sweep launcher queued for this flow run (tag ``runway-run:<id>``)."""
    for tag in tags or ():
        if isinstance(tag, str) and tag.startswith(TRIAL_TAG_PREFIX):
            run_id = tag[len(TRIAL_TAG_PREFIX) :].strip().lower()
            if len(run_id) == 32 and all(c in "0123456789abcdef" for c in run_id):
                return run_id
    return None


def numeric_metrics(result: Any) -> dict[str, float]:
    """The numbers of a task's returned dict: ``{"loss": 0.3, "note": "x"}`` → ``{"loss": 0.3}``."""
    if not isinstance(result, Mapping):
        return {}
    return {
        str(k): float(v)
        for k, v in result.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    }


def flow_run_key(flow_run_id: Any) -> str:
    return f"prefect:flow-run:{flow_run_id}"


def task_run_key(task_run_id: Any) -> str:
    return f"prefect:task-run:{task_run_id}"
