"""How Prefect's values become a run's params, statuses and tags (no flow run needed)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid
from pathlib import Path

import pydantic
from prefect.states import Cancelled, Completed, Crashed, Failed

from runway.prefect.values import (
    final_status,
    final_tags,
    numeric_metrics,
    params_of,
    trial_run_id,
)


class Kind(enum.Enum):
    small = "s"


class Inner(pydantic.BaseModel):
    when: dt.date = dt.date(2026, 1, 2)


@dataclasses.dataclass
class Outer:
    inner: Inner
    kinds: tuple[Kind, ...] = (Kind.small,)


def test_parameters_become_plain_json_values() -> None:
    key = uuid.UUID(int=1)
    assert params_of({"cfg": Outer(Inner()), "path": Path("/data"), "id": key}) == {
        "cfg": {"inner": {"when": "2026-01-02"}, "kinds": ["s"]},
        "path": "/data",
        "id": str(key),
    }


def test_final_states_map_to_statuses_and_tags() -> None:
    assert final_status(Completed()) == "finished"
    assert final_status(Failed()) == "failed"
    assert final_status(Crashed()) == "failed"
    assert final_status(Cancelled()) == "killed"
    tags = final_tags(Failed(message="x" * 5000), 2)
    assert tags["prefect.state"] == "Failed" and tags["prefect.retries"] == "2"
    assert len(tags["prefect.state_message"]) == 1000


def test_trial_tag_and_result_metrics() -> None:
    run_id = "ab" * 16
    assert trial_run_id(["other", f"runway-run:{run_id}"]) == run_id
    assert trial_run_id(["runway-run:not-an-id"]) is None
    assert numeric_metrics({"loss": 1, "ok": True, "name": "x", "acc": 0.5}) == {
        "loss": 1.0,
        "acc": 0.5,
    }
    assert numeric_metrics([1, 2]) == {}
