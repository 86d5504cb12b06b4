"""``runway.Client``: the read side over a ``Store``: projects, experiments, runs, artifacts.

The dashboard and users' notebooks read only through this class; names and signatures are stable.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from runway_core import tracking
from runway_core.config import resolve_tracking_uri
from runway_core.errors import NotFound
from runway_core.metrics.goals import Goal, resolve_goal
from runway_core.schemas import (
    ArchiveMember,
    ArtifactDiff,
    ArtifactPreview,
    ArtifactPublic,
    ExperimentPublic,
    ExperimentSummary,
    MetricGoalPublic,
    MetricSeries,
    ProjectPublic,
    ProjectSummary,
    RunPublic,
    RunSearch,
    SweepPublic,
    TrialPublic,
)
from runway_core.store import Store, open_store
from runway_core.tracking.inputs import utf8_text
from runway_core.tracking.run_files import download_artifacts

if TYPE_CHECKING:
    import pandas

_ID_RE = re.compile(r"^[0-9a-f]{32}$")


class RunList(list[RunPublic]):
    """A page of runs; ``next_page_token`` fetches the next one, ``to_pandas()`` makes a table.

    ``hints`` says why an empty page may be empty (a filter key no run has, and near ones).
    """

    def __init__(
        self,
        runs: Iterable[RunPublic] = (),
        next_page_token: str | None = None,
        hints: Sequence[str] = (),
    ):
        super().__init__(runs)
        self.next_page_token = next_page_token
        self.hints = list(hints)

    def to_pandas(self) -> pandas.DataFrame:
        """One row per run: attributes, ``params.*``, ``metrics.*`` (last value), ``tags.*``."""
        try:
            import pandas as pd
        except ImportError as exc:  # pandas is optional for the SDK
            raise ImportError("to_pandas() needs pandas: pip install pandas") from exc
        return pd.DataFrame([run_row(run) for run in self])


def run_row(run: RunPublic) -> dict[str, Any]:
    row: dict[str, Any] = {
        "run_id": run.id,
        "name": run.name,
        "status": run.status.value,
        "experiment_id": run.experiment_id,
        "project_id": run.project_id,
        "start_time": run.start_time,
        "end_time": run.end_time,
        "user": run.user,
        "source": run.source.value,
        "git_commit": run.git_commit,
    }
    row.update({f"params.{k}": v for k, v in sorted(run.params.items())})
    row.update({f"metrics.{k}": s.last for k, s in sorted(run.metrics.items())})
    row.update({f"tags.{k}": v for k, v in sorted(run.tags.items())})
    return row


class Client:
    """Read access to a tracking store.

    ``tracking_uri``: ``None`` → ``RUNWAY_TRACKING_URI`` or the embedded ``./runway.db``;
    ``http(s)://…`` → a ``runway server``; a SQLAlchemy URL or path → that database directly.
    ``token``: the API token for a server started with ``--auth`` (``None``: ``RUNWAY_TOKEN``).
    ``store=`` wraps an already opened store instead (its owner closes it). Reads first wait
    for the runs of this process to deliver what they wrote (``tracking.flush``), so they see it.
    ``None`` for an optional argument means its default.
    """

    def __init__(
        self,
        tracking_uri: str | None = None,
        *,
        token: str | None = None,
        store: Store | None = None,
    ):
        self._owns_store = store is None
        self._uri = None if store is not None else resolve_tracking_uri(tracking_uri)
        self.store: Store = store if store is not None else open_store(self._uri, token=token)

    def _barrier(self) -> None:
        tracking.flush(tracking_uri=self._uri)

    # -- projects and experiments -------------------------------------------------------------

    def list_projects(self, search: str | None = None) -> list[ProjectSummary]:
        self._barrier()
        return self.store.list_projects(search=search)

    def get_project(self, name_or_id: str) -> ProjectPublic:
        self._barrier()
        try:  # names are stored as valid UTF-8: look one up the way it was stored
            return self.store.get_project_by_name(utf8_text(name_or_id))
        except NotFound:
            if _ID_RE.match(name_or_id):
                return self.store.get_project(name_or_id)
            raise

    def list_experiments(self, project: str, metric: str | None = None) -> list[ExperimentSummary]:
        """Experiments of a project (name or id); ``metric`` fills each one's best/mean/last."""
        return self.store.list_experiments(self.get_project(project).id, metric=metric)

    def get_experiment(self, project: str, name: str) -> ExperimentPublic:
        """An experiment by its name (or id) within a project given by name or id."""
        project_id = self.get_project(project).id
        try:
            return self.store.get_experiment_by_name(project_id, utf8_text(name))
        except NotFound:
            if _ID_RE.match(name):
                experiment = self.store.get_experiment(name)
                if experiment.project_id == project_id:
                    return experiment
            raise

    # -- sweeps -------------------------------------------------------------------------------

    def list_sweeps(
        self, project: str | None = None, experiment: str | None = None
    ) -> list[SweepPublic]:
        """Sweeps, newest first: all, a project's (name or id), or one experiment's (by name
        or id within ``project``)."""
        self._barrier()
        if project is None:
            return self.store.list_sweeps()
        if experiment is not None:
            return self.store.list_sweeps(experiment_id=self.get_experiment(project, experiment).id)
        return self.store.list_sweeps(project_id=self.get_project(project).id)

    def get_sweep(self, sweep_id: str) -> SweepPublic:
        """A sweep with its trial counts by status and its best finished trial."""
        self._barrier()
        return self.store.get_sweep(sweep_id)

    def list_trials(self, sweep_id: str, status: str | None = None) -> list[TrialPublic]:
        self._barrier()
        return self.store.list_trials(sweep_id, status=status)

    def metric_goal(self, project: str, key: str) -> MetricGoalPublic:
        """Which way ``key`` is better in a project: its setting, else the primary metric's
        goal, else the default by name (``source`` says which)."""
        found = self.get_project(project)
        settings = {g.key: g.goal for g in self.store.list_metric_goals(found.id)}
        goal = resolve_goal(
            key,
            settings=settings,
            primary_metric=found.primary_metric,
            primary_metric_goal=found.primary_metric_goal,
        )
        return MetricGoalPublic(project_id=found.id, key=key, goal=goal.goal, source=goal.source)

    def set_metric_goal(self, project: str, key: str, goal: Goal | None) -> MetricGoalPublic:
        """Store ``"max"`` or ``"min"`` for ``key`` in a project; ``None`` goes back to the
        default. Returns the goal then in force."""
        return self.store.set_metric_goal(self.get_project(project).id, key, goal)

    # -- runs ---------------------------------------------------------------------------------

    def search_runs(
        self,
        project: str | None = None,
        experiments: Sequence[str] | None = None,
        filter: str | None = "",
        order_by: Sequence[str] | None = None,
        limit: int | None = 100,
        page_token: str | None = None,
        *,
        include_deleted: bool = False,
        include_data: bool = True,
    ) -> RunList:
        """Runs of a whole project, or of some of its experiments (names need ``project``; ids
        do not), matching ``filter`` in the search language, sorted by ``order_by``. When the
        filter names a key no run has, the result's ``hints`` say so (and a warning is shown)."""
        self._barrier()
        project_id = self.get_project(project).id if project else None
        experiment_ids = [self._experiment_id(project_id, e) for e in experiments or ()]
        page = self.store.search_runs(
            RunSearch(
                project_id=project_id,
                experiment_ids=experiment_ids,
                filter=filter or "",
                order_by=list(order_by or ()),
                limit=100 if limit is None else limit,
                page_token=page_token,
                include_deleted=include_deleted,
                include_data=include_data,
            )
        )
        if page.hints:
            warnings.warn("; ".join(page.hints), UserWarning, stacklevel=2)
        return RunList(page.runs, page.next_page_token, page.hints)

    def get_run(self, run_id: str) -> RunPublic:
        self._barrier()
        return self.store.get_run(run_id)

    def get_metric_history(
        self, run_id: str, key: str, max_points: int | None = None
    ) -> MetricSeries:
        """The full series in step order, or downsampled on the server to ``max_points``."""
        self._barrier()
        return self.store.get_metric_history(run_id, key, max_points=max_points)

    # -- artifacts ----------------------------------------------------------------------------

    def list_artifacts(self, run_id: str, prefix: str | None = "") -> list[ArtifactPublic]:
        self._barrier()
        return self.store.list_artifacts(run_id, prefix=prefix or "")

    def preview_artifact(
        self, run_id: str, path: str, max_bytes: int | None = 64 * 1024
    ) -> ArtifactPreview:
        self._barrier()
        size = 64 * 1024 if max_bytes is None else max_bytes
        return self.store.preview_artifact(run_id, path, max_bytes=size)

    def diff_artifacts(
        self, run_a: str, path_a: str, run_b: str, path_b: str | None = None
    ) -> ArtifactDiff:
        self._barrier()
        return self.store.diff_artifacts(run_a, path_a, run_b, path_b)

    def open_artifact(self, run_id: str, path: str) -> BinaryIO:
        self._barrier()
        return self.store.open_artifact(run_id, path)

    def list_archive(self, run_id: str, path: str) -> list[ArchiveMember]:
        self._barrier()
        return self.store.list_archive(run_id, path)

    def download_artifacts(
        self, run_id: str, path: str | None = "", dest: str | Path = "."
    ) -> Path:
        """Copy a run's stored artifacts at or under ``path`` into ``dest`` (links are skipped)."""
        self._barrier()
        return download_artifacts(self.store, run_id, dest, path or "")

    # -- lifetime -----------------------------------------------------------------------------

    def close(self) -> None:
        if self._owns_store:
            self.store.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _experiment_id(self, project_id: str | None, name_or_id: str) -> str:
        if project_id is None:
            if _ID_RE.match(name_or_id):
                return name_or_id
            raise NotFound(
                f"experiment {name_or_id!r}: give project= to look experiments up by name",
                field="experiments",
            )
        try:
            return self.store.get_experiment_by_name(project_id, utf8_text(name_or_id)).id
        except NotFound:
            if _ID_RE.match(name_or_id):
                return name_or_id
            raise
