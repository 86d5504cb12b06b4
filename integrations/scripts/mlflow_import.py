"""``runway import mlflow --from URI``: copy an MLflow tracking store into Runway.

The source is read through the MLflow client, so it may be a tracking server URL or a local
store (``./mlruns``, ``sqlite:///mlflow.db``). Each MLflow experiment becomes a Runway
experiment of the same name (in ``--project``, the experiment's ``runway.project`` tag, or
``RUNWAY_MLFLOW_PROJECT``); each run keeps its params, tags, full metric histories and
artifacts. Runs get keyed ids (uuid5 of the MLflow run id) and metric batches keyed batch ids,
so importing again writes nothing twice, and an interrupted import resumes where it stopped: a
run is complete once it holds its final status, which is written last.
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from runway_core.errors import InvalidInput, NotFound
from runway_core.schemas import (
    ExperimentCreate,
    ExperimentUpdate,
    MetricBatch,
    MetricSeriesIn,
    ProjectCreate,
    RunCreate,
    RunPublic,
    RunSource,
    RunStatus,
    RunUpdate,
)
from runway_core.store.protocol import Store

# Fixed, so the same MLflow run always gets the same Runway id.
RUN_NAMESPACE = uuid.UUID("5d1b1f0c-3c1e-4d0f-9a53-6d6c6f77666c")
PROJECT_TAG = "runway.project"
PARENT_TAG = "mlflow.parentRunId"
BATCH_POINTS = 10_000
_STATUS = {
    "RUNNING": RunStatus.running,
    "SCHEDULED": RunStatus.queued,
    "FINISHED": RunStatus.finished,
    "FAILED": RunStatus.failed,
    "KILLED": RunStatus.killed,
}
_TAG_FIELDS = {
    "mlflow.user": ("user", 250),
    "mlflow.source.git.commit": ("git_commit", 64),
    "mlflow.source.git.branch": ("git_branch", 250),
    "mlflow.source.git.repoURL": ("git_remote", 1000),
    "mlflow.source.name": ("command", None),
    "mlflow.note.content": ("description", None),
}


def runway_run_id(mlflow_run_id: str) -> str:
    return uuid.uuid5(RUN_NAMESPACE, mlflow_run_id).hex


@dataclass
class ImportResult:
    experiments: int = 0
    runs: int = 0
    skipped: int = 0  # complete from an earlier import
    points: int = 0
    artifacts: int = 0


def _all_runs(client: Any, experiment_id: str) -> Iterator[Any]:
    token = None
    while True:
        page = client.search_runs([experiment_id], max_results=1000, page_token=token)
        yield from page
        token = page.token
        if not token:
            return


def _fields(tags: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tag, (field, limit) in _TAG_FIELDS.items():
        if tags.get(tag):
            out[field] = tags[tag][:limit] if limit else tags[tag]
    return out


def _batch_id(key: str, index: int) -> str:
    return f"mlflow:{hashlib.sha256(key.encode()).hexdigest()[:32]}:{index}"


class MlflowImporter:
    def __init__(self, client: Any, store: Store, *, project: str | None, default_project: str):
        self.client = client
        self.store = store
        self.project = project
        self.default_project = default_project
        self.result = ImportResult()

    def plan(self) -> list[tuple[Any, list[Any]]]:
        """Every active experiment with its runs, parents before their children."""
        out = []
        for exp in self.client.search_experiments(max_results=50_000):
            runs = sorted(_all_runs(self.client, exp.experiment_id), key=self._depth)
            out.append((exp, runs))
        return out

    @staticmethod
    def _depth(run: Any) -> tuple[int, int]:
        return (1 if PARENT_TAG in run.data.tags else 0, run.info.start_time or 0)

    def experiment(self, exp: Any) -> str:
        name = self.project or exp.tags.get(PROJECT_TAG) or self.default_project
        try:
            project = self.store.get_project_by_name(name)
        except NotFound:
            project = self.store.create_project(ProjectCreate(name=name), exist_ok=True)
        tags = {k: v for k, v in exp.tags.items() if not k.startswith("mlflow.")}
        made = self.store.create_experiment(
            project.id, ExperimentCreate(name=exp.name, tags=tags), exist_ok=True
        )
        if tags and made.tags != {**made.tags, **tags}:
            self.store.update_experiment(made.id, ExperimentUpdate(tags=dict(tags)))
        self.result.experiments += 1
        return made.id

    def run(self, experiment_id: str, src: Any) -> None:
        info, tags = src.info, dict(src.data.tags)
        rid = runway_run_id(info.run_id)
        status = _STATUS.get(info.status, RunStatus.finished)
        try:
            existing: RunPublic | None = self.store.get_run(rid)
        except NotFound:
            existing = None
        if existing and existing.status is status and status.is_terminal:
            self.result.skipped += 1
            return
        parent = tags.get(PARENT_TAG)
        if parent:
            tags[PARENT_TAG] = runway_run_id(parent)
        if existing is None:
            self.store.create_run(
                RunCreate(
                    id=rid,
                    experiment_id=experiment_id,
                    name=info.run_name or None,
                    status=RunStatus.running,
                    start_time=info.start_time,
                    source=RunSource.mlflow,
                    source_ids={"mlflow_run_id": info.run_id},
                    parent_run_id=tags.get(PARENT_TAG),
                    tags=tags,
                    **_fields(tags),
                )
            )
        else:
            self.store.set_tags(rid, tags)
        self.store.log_params(rid, dict(src.data.params), overwrite=True)
        for key in src.data.metrics:
            self._history(rid, info.run_id, key)
        self._artifacts(rid, info.run_id)
        self.store.update_run(rid, RunUpdate(status=status, end_time=info.end_time))
        self.result.runs += 1

    def _history(self, rid: str, src_id: str, key: str) -> None:
        points = self.client.get_metric_history(src_id, key)
        for index, start in enumerate(range(0, len(points), BATCH_POINTS)):
            part = points[start : start + BATCH_POINTS]
            series = MetricSeriesIn(
                steps=[p.step for p in part],
                timestamps=[p.timestamp for p in part],
                values=[p.value for p in part],
            )
            batch = MetricBatch(batch_id=_batch_id(key, index), metrics={key: series})
            if not self.store.log_metrics(rid, batch).duplicate:
                self.result.points += len(part)

    def _artifacts(self, rid: str, src_id: str) -> None:
        if not self.client.list_artifacts(src_id):
            return
        with tempfile.TemporaryDirectory(prefix="runway-mlflow-") as tmp:
            local = Path(self.client.download_artifacts(src_id, "", tmp))
            self.result.artifacts += len(self.store.log_artifacts(rid, local))


def import_mlflow(
    source_uri: str,
    store: Store,
    *,
    project: str | None = None,
    default_project: str = "mlflow",
    on_plan: Callable[[int], None] | None = None,
    on_run: Callable[[str], None] | None = None,
) -> ImportResult:
    """Copy every active experiment and run of the MLflow store at ``source_uri``."""
    from mlflow import MlflowClient

    importer = MlflowImporter(
        MlflowClient(tracking_uri=source_uri),
        store,
        project=project,
        default_project=default_project,
    )
    plan = importer.plan()
    if on_plan:
        on_plan(sum(len(runs) for _, runs in plan))
    for exp, runs in plan:
        experiment_id = importer.experiment(exp)
        for src in runs:
            importer.run(experiment_id, src)
            if on_run:
                on_run(src.info.run_name or src.info.run_id)
    return importer.result


def mlflow_command(
    source: str = typer.Option(
        ..., "--from", help="MLflow tracking URI: http(s)://server, ./mlruns or sqlite:///mlflow.db"
    ),
    project: str | None = typer.Option(
        None, "--project", help="Runway project for every experiment (default: per experiment)"
    ),
    tracking_uri: str | None = typer.Option(
        None, "--tracking-uri", help="Runway to import into (default: RUNWAY_TRACKING_URI)"
    ),
) -> None:
    """Copy MLflow experiments, runs, params, metric histories, tags and artifacts; safe to
    run again (nothing doubles) and to resume after an interruption."""
    try:
        import mlflow  # noqa: F401
    except ImportError:
        raise InvalidInput(
            "the MLflow client is not installed: pip install 'runway-tracker[mlflow]'"
        ) from None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from runway_core.config import settings
    from runway_core.tracking.stores import open_store

    store = open_store(tracking_uri)
    with Progress(
        TextColumn("[bold]import mlflow[/bold] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
    ) as progress:
        task = progress.add_task("", total=None)
        result = import_mlflow(
            source,
            store,
            project=project,
            default_project=settings().mlflow_project,
            on_plan=lambda total: progress.update(task, total=total),
            on_run=lambda name: progress.update(task, advance=1, description=name),
        )
    typer.echo(
        f"imported {result.runs} runs ({result.points} metric points, {result.artifacts} "
        f"artifacts) in {result.experiments} experiments; {result.skipped} already complete"
    )


def register(group: typer.Typer) -> None:
    group.command("mlflow")(mlflow_command)
