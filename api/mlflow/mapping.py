"""Runway's records as MLflow sees them, and MLflow's system tags as Runway's run fields.

Pure translation, no store: experiments, run infos, run data and statuses in MLflow's JSON
shape (proto field names, int64 as JSON numbers, NaN as the string ``"NaN"``).
"""

from __future__ import annotations

import json
import math
from typing import Any

from runway_core.errors import InvalidInput
from runway_core.schemas import ExperimentPublic, RunPublic, RunStatus

DEFAULT_EXPERIMENT_ID = "0"
DEFAULT_EXPERIMENT_NAME = "Default"
# The experiment tag naming the Runway project an MLflow experiment is created in.
PROJECT_TAG = "runway.project"
# Dataset inputs (runs/log-inputs) kept as a run tag that the MLflow API does not list as a tag.
INPUTS_TAG = "runway.mlflow.inputs"
HIDDEN_TAGS = frozenset({INPUTS_TAG})

STATUS_TO_MLFLOW = {
    RunStatus.queued: "SCHEDULED",
    RunStatus.running: "RUNNING",
    RunStatus.finished: "FINISHED",
    RunStatus.failed: "FAILED",
    RunStatus.killed: "KILLED",
}
STATUS_FROM_MLFLOW = {v: k for k, v in STATUS_TO_MLFLOW.items()}
# MLflow has no "crashed": the run ended abnormally, not by its user, so FAILED (one way only).
STATUS_TO_MLFLOW[RunStatus.crashed] = "FAILED"

# MLflow system tag → the Runway run field it fills (copied at run creation; the tag stays too).
SYSTEM_TAG_FIELDS = {
    "mlflow.user": "user",
    "mlflow.source.git.commit": "git_commit",
    "mlflow.source.git.branch": "git_branch",
    "mlflow.source.git.repoURL": "git_remote",
    "mlflow.source.name": "command",
    "mlflow.parentRunId": "parent_run_id",
    "mlflow.note.content": "description",
}
_FIELD_LIMITS = {"git_commit": 64, "git_branch": 250, "git_remote": 1000, "user": 250}


def mlflow_experiment_id(experiment_id: str, default_id: str | None) -> str:
    return DEFAULT_EXPERIMENT_ID if experiment_id == default_id else experiment_id


def pairs(mapping: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in mapping.items() if k not in HIDDEN_TAGS]


def experiment_json(exp: ExperimentPublic, default_id: str | None) -> dict[str, Any]:
    eid = mlflow_experiment_id(exp.id, default_id)
    out: dict[str, Any] = {
        "experiment_id": eid,
        "name": DEFAULT_EXPERIMENT_NAME if eid == DEFAULT_EXPERIMENT_ID else exp.name,
        "artifact_location": f"mlflow-artifacts:/{eid}",
        "lifecycle_stage": "deleted" if exp.deleted_at is not None else "active",
        "creation_time": exp.created_at,
        "last_update_time": exp.updated_at,
    }
    if exp.tags:
        out["tags"] = pairs(exp.tags)
    return out


def artifact_uri(run: RunPublic, default_id: str | None) -> str:
    experiment = mlflow_experiment_id(run.experiment_id, default_id)
    return f"mlflow-artifacts:/{experiment}/{run.id}/artifacts"


def run_info_json(run: RunPublic, default_id: str | None) -> dict[str, Any]:
    info: dict[str, Any] = {
        "run_id": run.id,
        "run_uuid": run.id,
        "run_name": run.name or "",
        "experiment_id": mlflow_experiment_id(run.experiment_id, default_id),
        "user_id": run.user or "",
        "status": STATUS_TO_MLFLOW[run.status],
        "artifact_uri": artifact_uri(run, default_id),
        "lifecycle_stage": "deleted" if run.deleted_at is not None else "active",
    }
    if run.start_time is not None:
        info["start_time"] = run.start_time
    if run.end_time is not None:
        info["end_time"] = run.end_time
    return info


def metric_value(value: float | None) -> float | str:
    """A metric value for JSON: NaN (Runway's ``None``) as MLflow writes it, ``"NaN"``."""
    if value is None or math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def param_text(value: Any) -> str:
    """MLflow params are text: a string param as is, any other JSON value as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def run_json(run: RunPublic, default_id: str | None) -> dict[str, Any]:
    metrics = [
        {
            "key": key,
            "value": metric_value(summary.last),
            "timestamp": summary.last_timestamp,
            "step": summary.last_step,
        }
        for key, summary in run.metrics.items()
    ]
    data: dict[str, Any] = {
        "metrics": metrics,
        "params": [{"key": k, "value": param_text(v)} for k, v in run.params.items()],
        "tags": pairs(run.tags),
    }
    inputs: dict[str, Any] = {}
    if INPUTS_TAG in run.tags:
        inputs["dataset_inputs"] = json.loads(run.tags[INPUTS_TAG])
    return {"info": run_info_json(run, default_id), "data": data, "inputs": inputs}


def fields_from_tags(tags: dict[str, str]) -> dict[str, Any]:
    """Runway run fields filled from MLflow system tags (cut to what a run field holds)."""
    out: dict[str, Any] = {}
    for tag, field in SYSTEM_TAG_FIELDS.items():
        value = tags.get(tag)
        if value:
            limit = _FIELD_LIMITS.get(field)
            out[field] = value[:limit] if limit else value
    return out


def parse_metric_value(value: Any) -> float | None:
    """A metric value as the client sends it (a number, or "NaN"/"Infinity" text) → float or
    ``None`` for NaN (Runway stores ±infinity as NaN too)."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return _bad_value(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _bad_value(value)
    f = float(value)
    return None if math.isnan(f) or math.isinf(f) else f


def _bad_value(value: Any) -> float:
    raise InvalidInput(f"value: expected a number, got {value!r:.80}", field="value")
