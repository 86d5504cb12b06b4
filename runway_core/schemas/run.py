"""Runs on the wire: one configuration and its result, with params, tags and metric summaries."""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import Field, StrictBool, computed_field
from pydantic.json_schema import SkipJsonSchema

from runway_core.links import commit_url
from runway_core.schemas._common import Schema
from runway_core.schemas._rules import (
    EPOCH_MS,
    RUN_ID,
    JsonInt,
    Name,
    json_document_schema,
    params_schema,
    tags_schema,
)


class RunStatus(str, Enum):
    queued = "queued"
    running = "running"
    finished = "finished"
    failed = "failed"
    killed = "killed"
    # Its process stopped sending heart-beats (SIGKILL, OOM, a lost machine): set by the store.
    crashed = "crashed"

    @property
    def is_terminal(self) -> bool:
        return self in (RunStatus.finished, RunStatus.failed, RunStatus.killed, RunStatus.crashed)


class RunSource(str, Enum):
    script = "script"
    prefect = "prefect"
    airflow = "airflow"
    mlflow = "mlflow"
    sweep = "sweep"
    api = "api"
    import_ = "import"


class RunBase(Schema):
    name: Name | None = None
    status: RunStatus = RunStatus.running
    start_time: JsonInt | None = Field(default=None, json_schema_extra=EPOCH_MS)
    end_time: JsonInt | None = Field(default=None, json_schema_extra=EPOCH_MS)
    user: str | None = Field(default=None, max_length=250)
    source: RunSource = RunSource.api
    # Orchestrator ids: {"flow_run_id": …} or {"dag_id": …, "run_id": …, "task_id": …}
    source_ids: dict[str, Any] = Field(default_factory=dict, json_schema_extra=json_document_schema)
    parent_run_id: str | None = Field(default=None, max_length=32)
    sweep_id: str | None = Field(default=None, max_length=32)
    git_commit: str | None = Field(default=None, max_length=64)
    git_branch: str | None = Field(default=None, max_length=250)
    git_remote: str | None = Field(default=None, max_length=1000)
    git_dirty: StrictBool | None = None
    command: str | None = None
    host: str | None = Field(default=None, max_length=250)
    python_version: str | None = Field(default=None, max_length=64)
    description: str = ""


class RunCreate(RunBase):
    experiment_id: str
    id: str | None = Field(default=None, max_length=32, json_schema_extra={"pattern": RUN_ID})
    params: dict[str, Any] = Field(default_factory=dict, json_schema_extra=params_schema)
    tags: dict[str, str] = Field(default_factory=dict, json_schema_extra=tags_schema)


class RunUpdate(Schema):
    """Fields to change; ``status`` and ``description`` may be left out, never null."""

    name: Name | None = None
    status: RunStatus | SkipJsonSchema[None] = None
    end_time: JsonInt | None = Field(default=None, json_schema_extra=EPOCH_MS)
    description: str | SkipJsonSchema[None] = None


class MetricSummaryPublic(Schema):
    last: float | None
    last_step: int
    last_timestamp: int
    min: float | None
    max: float | None
    count: int


class RunPublic(RunBase):
    id: str
    experiment_id: str
    project_id: str
    created_at: int
    updated_at: int
    deleted_at: int | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    metrics: dict[str, MetricSummaryPublic] = Field(default_factory=dict)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def git_url(self) -> str | None:
        """The commit's web page when the remote is on GitHub, GitLab or Bitbucket."""
        return commit_url(self.git_remote, self.git_commit)
