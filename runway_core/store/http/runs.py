"""Runs, params and tags over the REST API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runway_core.errors import InvalidInput
from runway_core.schemas import RunCreate, RunPublic, RunUpdate
from runway_core.schemas.writes import (
    CreateRunWrite,
    ParamsWrite,
    RunStart,
    ServerWrite,
    WriteResult,
    WriteResults,
)
from runway_core.store.http.base import HttpBase, dump, encode, segment
from runway_core.validation import check_key, check_tag_value, flatten_params

# Writes per POST /writes request: well under the server's cap (RUNWAY_MAX_WRITES_PER_REQUEST).
WRITES_PER_REQUEST = 500


def _run_body(run: RunCreate) -> dict[str, Any]:
    # Checked here with the same rules as the SQL store: JSON would silently turn some values
    # (a Path, a set) into others that the server could not refuse.
    flatten_params(run.params)
    return run.model_dump(mode="json")


def _check_params(writes: Sequence[ServerWrite]) -> None:
    """Params checked here as the SQL store does (JSON would turn NaN into null silently)."""
    for i, write in enumerate(writes):
        params = (
            write.params
            if isinstance(write, ParamsWrite)
            else write.run.params
            if isinstance(write, CreateRunWrite)
            else None
        )
        try:
            flatten_params(params or {})
        except InvalidInput as exc:
            field = f"writes.{i}.{exc.field}" if exc.field else f"writes.{i}"
            raise InvalidInput(f"writes[{i}]: {exc.message}", field=field) from None


class RunsMixin(HttpBase):
    def create_run(self, run: RunCreate) -> RunPublic:
        body = self._request("POST", "/runs", content=encode(_run_body(run)))
        return RunPublic.model_validate(body)

    def create_runs(self, runs: Sequence[RunCreate]) -> list[RunPublic]:
        if not runs:
            return []
        body = self._request(
            "POST", "/runs/bulk", content=encode({"runs": [_run_body(r) for r in runs]})
        )
        return [RunPublic.model_validate(r) for r in body["data"]]

    def ensure_run(self, run: RunStart) -> RunPublic:
        flatten_params(run.params)
        body = self._request("POST", "/runs/ensure", content=dump(run))
        return RunPublic.model_validate(body)

    def apply_writes(self, writes: Sequence[ServerWrite]) -> list[WriteResult]:
        _check_params(writes)
        results: list[WriteResult] = []
        for start in range(0, len(writes), WRITES_PER_REQUEST):
            chunk = writes[start : start + WRITES_PER_REQUEST]
            body = encode({"writes": [w.model_dump(mode="json") for w in chunk]})
            answer = WriteResults.model_validate(self._request("POST", "/writes", content=body))
            results += answer.data
            if any(r.status >= 500 for r in answer.data):
                # The server stopped there: later chunks must not overtake the failed write.
                rest = len(writes) - len(results)
                results += [answer.data[-1]] * rest
                break
        return results

    def get_run(self, run_id: str) -> RunPublic:
        return RunPublic.model_validate(self._request("GET", f"/runs/{segment(run_id)}"))

    def update_run(self, run_id: str, update: RunUpdate) -> RunPublic:
        body = self._request(
            "PATCH", f"/runs/{segment(run_id)}", content=dump(update, exclude_unset=True)
        )
        return RunPublic.model_validate(body)

    def delete_run(self, run_id: str) -> None:
        self._request("DELETE", f"/runs/{segment(run_id)}")

    def restore_run(self, run_id: str) -> RunPublic:
        return RunPublic.model_validate(self._request("POST", f"/runs/{segment(run_id)}/restore"))

    def log_params(
        self, run_id: str, params: Mapping[str, Any], *, overwrite: bool = False
    ) -> None:
        body = {"params": flatten_params(params), "overwrite": overwrite}
        self._request("POST", f"/runs/{segment(run_id)}/params", content=encode(body))

    def set_tags(self, run_id: str, tags: Mapping[str, str]) -> None:
        clean = {
            check_key(k, f"tags.{k}"): check_tag_value(v, f"tags.{k}") for k, v in tags.items()
        }
        self._request("POST", f"/runs/{segment(run_id)}/tags", content=encode({"tags": clean}))

    def delete_tag(self, run_id: str, key: str) -> None:
        self._request("DELETE", f"/runs/{segment(run_id)}/tags/{segment(key)}")
