"""Typed write records: what a tracked run writes, one discriminated union (on ``op``) shared by
the SDK's sender, the spool's JSON lines and the batch route ``POST /api/v1/writes``.

``ServerWrite`` is what a store applies (in order, each on its own: one refused write does not
undo or stop the others); ``Write`` adds ``UploadWrite``, a local file still to be uploaded.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, field_serializer, field_validator, model_validator

from runway_core.schemas._common import Schema
from runway_core.schemas._rules import Name, params_schema, tags_schema
from runway_core.schemas.artifact import ArtifactPublic
from runway_core.schemas.metric import MetricBatch
from runway_core.schemas.run import RunBase, RunUpdate

RunId = Annotated[str, Field(min_length=1, max_length=32)]


class RunStart(RunBase):
    """A run to get-or-create by ``id`` in the project and experiment named (both created when
    missing). When the run exists it is returned unchanged, so a retry is harmless."""

    id: RunId
    project: Name
    experiment: Name
    params: dict[str, Any] = Field(default_factory=dict, json_schema_extra=params_schema)
    tags: dict[str, str] = Field(default_factory=dict, json_schema_extra=tags_schema)


class CreateRunWrite(Schema):
    op: Literal["create_run"] = "create_run"
    run_id: RunId
    run: RunStart

    @model_validator(mode="after")
    def _same_id(self) -> CreateRunWrite:
        if self.run.id != self.run_id:
            raise ValueError(f"run.id {self.run.id!r} differs from run_id {self.run_id!r}")
        return self


class ParamsWrite(Schema):
    op: Literal["params"] = "params"
    run_id: RunId
    params: dict[str, Any] = Field(json_schema_extra=params_schema)
    overwrite: StrictBool = False


class TagsWrite(Schema):
    op: Literal["tags"] = "tags"
    run_id: RunId
    tags: dict[str, str] = Field(json_schema_extra=tags_schema)


class MetricsWrite(Schema):
    op: Literal["metrics"] = "metrics"
    run_id: RunId
    batch: MetricBatch


class RunUpdateWrite(Schema):
    op: Literal["update_run"] = "update_run"
    run_id: RunId
    update: RunUpdate

    @field_serializer("update")
    def _only_set_fields(self, update: RunUpdate) -> dict[str, Any]:
        # A field left out is "unchanged"; an explicit null would clear it.
        return update.model_dump(mode="json", exclude_unset=True)


class HeartbeatWrite(Schema):
    """The run's process is alive (it sent nothing else for a while). A run that got one is
    watched: when its writes stop for ``RUNWAY_RUN_HEARTBEAT_TIMEOUT`` the server marks it
    ``crashed``; a later write of it (the process was only paused) makes it ``running`` again."""

    op: Literal["heartbeat"] = "heartbeat"
    run_id: RunId


class LinkWrite(Schema):
    op: Literal["link"] = "link"
    run_id: RunId
    path: str
    uri: str


class ContentWrite(Schema):
    """Index content the store already holds (by sha256) at ``path``: no upload."""

    op: Literal["artifact_content"] = "artifact_content"
    run_id: RunId
    path: str
    sha256: str = Field(min_length=64, max_length=64)
    kind: str = "file"


class UploadWrite(Schema):
    """A local file to store at ``path``; never sent as such (the bytes go by upload). ``blob``
    names the spool's own copy; ``sha256``, when known, lets the sender skip the upload."""

    op: Literal["artifact"] = "artifact"
    run_id: RunId
    path: str
    file: str
    kind: str = "file"
    sha256: str | None = None
    blob: str | None = None


ServerWrite = Annotated[
    CreateRunWrite
    | ParamsWrite
    | TagsWrite
    | MetricsWrite
    | RunUpdateWrite
    | HeartbeatWrite
    | LinkWrite
    | ContentWrite,
    Field(discriminator="op"),
]
Write = Annotated[
    CreateRunWrite
    | ParamsWrite
    | TagsWrite
    | MetricsWrite
    | RunUpdateWrite
    | HeartbeatWrite
    | LinkWrite
    | ContentWrite
    | UploadWrite,
    Field(discriminator="op"),
]


class WriteBatch(Schema):
    """Writes applied in order; each answered on its own."""

    writes: list[ServerWrite] = Field(min_length=1)

    @field_validator("writes")
    @classmethod
    def _no_nul(cls, writes: list[ServerWrite]) -> list[ServerWrite]:
        # No text the server stores may hold NUL (PostgreSQL cannot): a write holding one is
        # not valid input, and makes the batch invalid as a whole, like any other.
        for i, write in enumerate(writes):
            where = _nul_in(write.model_dump())
            if where is not None:
                raise ValueError(f"writes[{i}].{where} must not contain NUL characters")
        return writes


class WriteError(Schema):
    code: str
    message: str
    field: str | None = None


class WriteResult(Schema):
    """``status`` as if the write had been its own request: 2xx applied, 4xx refused (retrying
    cannot help), 5xx not applied now (this one and every write after it: retry them)."""

    status: int
    error: WriteError | None = None
    artifact: ArtifactPublic | None = None
    # A sweep trial asked to stop (early stopping, or a user): why. Sent on its metric writes.
    stop: str | None = None

    @property
    def ok(self) -> bool:
        return self.status < 400


class WriteResults(Schema):
    data: list[WriteResult]
    count: int


def _nul_in(value: Any, where: str = "") -> str | None:
    """Where in ``value`` (dict keys included) a string holds NUL, or ``None``."""
    if isinstance(value, str):
        return where or "value" if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{where}.{key}" if where else str(key)
            if "\x00" in str(key):
                return inner
            found = _nul_in(item, inner)
            if found is not None:
                return found
    if isinstance(value, list):
        for item in value:
            found = _nul_in(item, where)
            if found is not None:
                return found
    return None
