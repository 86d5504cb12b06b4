"""Shape store records into the tables and series the pages show (pure functions, no Streamlit)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from runway_core.schemas import ArtifactPublic, ExperimentSummary, ProjectSummary, RunPublic

# Attributes shown on the compare page, in order: (label, getter name on RunPublic).
COMPARE_ATTRIBUTES = (
    ("name", "name"),
    ("status", "status"),
    ("experiment", "experiment_id"),
    ("start", "start_time"),
    ("end", "end_time"),
    ("duration", "duration"),
    ("user", "user"),
    ("source", "source"),
    ("git commit", "git_commit"),
    ("git branch", "git_branch"),
    ("git remote", "git_remote"),
    ("git dirty", "git_dirty"),
    ("command", "command"),
    ("host", "host"),
    ("python", "python_version"),
)


def goal_arrow(goal: str | None) -> str:
    """Which way "best" was taken: ↓ the lowest value, ↑ the highest."""
    return {"min": "↓", "max": "↑"}.get(goal or "", "")


def fmt_time(ms: int | None) -> str:
    if ms is None:
        return ""
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def fmt_duration(start: int | None, end: int | None, now_ms: int | None = None) -> str:
    """``1h 02m``, ``3m 05s`` or ``4.2s``; a running run counts up to ``now_ms``."""
    if start is None:
        return ""
    stop = end if end is not None else now_ms
    if stop is None:
        return ""
    seconds = max(stop - start, 0) / 1000
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, sec = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def status_label(status: object) -> str:
    return str(getattr(status, "value", status))


def run_label(run: RunPublic) -> str:
    return run.name or run.id[:8]


def run_search_filter(text: str) -> str:
    """A search-language filter for runs whose name contains ``text`` (any case) or whose id
    starts with it; ``text`` is literal (quotes, ``%``, ``_`` and backslashes included)."""
    text = text.strip()
    if not text:
        return ""
    like = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    quoted = like.replace("'", "''")
    return f"attributes.name ILIKE '%{quoted}%' or attributes.id ILIKE '{quoted}%'"


def projects_frame(projects: Sequence[ProjectSummary]) -> pd.DataFrame:
    rows = [
        {
            "project": p.name,
            "experiments": p.experiment_count,
            "runs": p.run_count,
            "last activity": fmt_time(p.last_activity),
            "primary metric": f"{p.primary_metric} {goal_arrow(p.best_goal)}".strip()
            if p.primary_metric
            else "",
            "best": p.best_value,
            "id": p.id,
        }
        for p in projects
    ]
    columns = ["project", "experiments", "runs", "last activity", "primary metric", "best", "id"]
    return pd.DataFrame(rows, columns=columns)


def experiments_frame(experiments: Sequence[ExperimentSummary]) -> pd.DataFrame:
    """One row per experiment in creation order, with the metric aggregates figure 2 draws."""
    rows = [
        {
            "experiment": e.name,
            "runs": e.run_count,
            "best": e.metric_best,
            "mean": e.metric_mean,
            "last": e.metric_last,
            "last activity": fmt_time(e.last_activity),
            "created": fmt_time(e.created_at),
            "created_at": e.created_at,
            "id": e.id,
        }
        for e in experiments
    ]
    columns = [
        "experiment",
        "runs",
        "best",
        "mean",
        "last",
        "last activity",
        "created",
        "created_at",
        "id",
    ]
    return pd.DataFrame(rows, columns=columns).sort_values("created_at", kind="stable")


def key_sets(runs: Iterable[RunPublic]) -> tuple[list[str], list[str], list[str]]:
    """The param, metric and tag keys that appear in any of the runs, each sorted."""
    params: set[str] = set()
    metrics: set[str] = set()
    tags: set[str] = set()
    for run in runs:
        params.update(run.params)
        metrics.update(run.metrics)
        tags.update(run.tags)
    return sorted(params), sorted(metrics), sorted(tags)


def runs_frame(
    runs: Sequence[RunPublic],
    *,
    params: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    experiment_names: Mapping[str, str] | None = None,
    now_ms: int | None = None,
) -> pd.DataFrame:
    """The runs table: id, name, status, start, duration, then ``params.*`` and ``metrics.*``.

    Metrics show the summary's last value. Columns are the requested keys, or every key present.
    """
    all_params, all_metrics, _ = key_sets(runs)
    params = list(params) if params is not None else all_params
    metrics = list(metrics) if metrics is not None else all_metrics
    rows = []
    for run in runs:
        row: dict[str, Any] = {
            "id": run.id,
            "name": run_label(run),
            "status": status_label(run.status),
        }
        if experiment_names is not None:
            row["experiment"] = experiment_names.get(run.experiment_id, run.experiment_id[:8])
        row["start"] = fmt_time(run.start_time)
        row["duration"] = fmt_duration(run.start_time, run.end_time, now_ms)
        for key in params:
            row[f"params.{key}"] = scalar(run.params.get(key))
        for key in metrics:
            summary = run.metrics.get(key)
            row[f"metrics.{key}"] = summary.last if summary is not None else None
        rows.append(row)
    columns = ["id", "name", "status"]
    if experiment_names is not None:
        columns.append("experiment")
    columns += ["start", "duration", *(f"params.{k}" for k in params)]
    columns += [f"metrics.{k}" for k in metrics]
    return pd.DataFrame(rows, columns=columns)


def varying_columns(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """The columns holding more than one distinct value (constant params make dull axes)."""
    return [c for c in columns if c in frame and frame[c].map(_comparable).nunique() > 1]


def scalar(value: Any) -> Any:
    """Params are JSON values; lists and dicts are shown as their JSON-ish text."""
    if isinstance(value, list | dict):
        return str(value)
    return value


def compare_frame(
    runs: Sequence[RunPublic],
    *,
    experiment_names: Mapping[str, str] | None = None,
    now_ms: int | None = None,
) -> pd.DataFrame:
    """Rows ``section``/``field`` and one column per run, and ``differs`` (values not all equal).

    Sections: attributes, params, metrics (last, min, max), tags; fields blank in every run are
    left out.
    """
    labels = unique_labels(runs)
    rows: list[dict[str, Any]] = []

    def add(section: str, name: str, values: list[Any]) -> None:
        if all(display(v) == "" for v in values):
            return  # captured by none of the runs (no git, say): a blank row only adds length
        row: dict[str, Any] = {"section": section, "field": name}
        row.update(dict(zip(labels, values, strict=True)))
        row["differs"] = len({_comparable(v) for v in values}) > 1
        rows.append(row)

    for label, attr in COMPARE_ATTRIBUTES:
        values: list[Any] = []
        for run in runs:
            if attr == "duration":
                values.append(fmt_duration(run.start_time, run.end_time, now_ms))
            elif attr in ("start_time", "end_time"):
                values.append(fmt_time(getattr(run, attr)))
            elif attr == "experiment_id" and experiment_names is not None:
                values.append(experiment_names.get(run.experiment_id, run.experiment_id))
            else:
                value = getattr(run, attr)
                values.append(status_label(value) if value is not None else None)
        add("attributes", label, values)
    params, metrics, tags = key_sets(runs)
    for key in params:
        add("params", key, [scalar(run.params.get(key)) for run in runs])
    for key in metrics:
        for stat in ("last", "min", "max"):
            values = [
                getattr(run.metrics[key], stat) if key in run.metrics else None for run in runs
            ]
            add("metrics", f"{key} ({stat})", values)
    for key in tags:
        add("tags", key, [run.tags.get(key) for run in runs])
    columns = ["section", "field", *labels, "differs"]
    return pd.DataFrame(rows, columns=columns)


def only_differences(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["differs"]].reset_index(drop=True)


def unique_labels(runs: Sequence[RunPublic]) -> list[str]:
    """Run labels for column headers, made unique when two runs share a name."""
    seen: dict[str, int] = {}
    labels = []
    for run in runs:
        label = run_label(run)
        if label in seen:
            label = f"{label} ({run.id[:6]})"
        seen[label] = 1
        labels.append(label)
    return labels


def match_artifacts(
    runs: Sequence[RunPublic], listings: Sequence[Sequence[ArtifactPublic]]
) -> pd.DataFrame:
    """Artifacts matched by path across runs: one row per path, a cell per run, and a state.

    ``state`` is ``same`` (identical content everywhere), ``differs``, or ``missing`` (absent in
    some run). Cells show the size, or ``—`` when the run lacks the path.
    """
    labels = unique_labels(runs)
    by_path: dict[str, list[ArtifactPublic | None]] = {}
    for i, listing in enumerate(listings):
        for art in listing:
            by_path.setdefault(art.path, [None] * len(runs))[i] = art
    rows = []
    for path in sorted(by_path):
        arts = by_path[path]
        row: dict[str, Any] = {"path": path}
        for label, found in zip(labels, arts, strict=True):
            row[label] = (
                "—"
                if found is None
                else human_size(found.size)
                if found.kind != "link"
                else found.uri
            )
        if any(a is None for a in arts):
            state = "missing"
        elif len({a.sha256 or a.uri for a in arts if a is not None}) == 1:
            state = "same"
        else:
            state = "differs"
        row["state"] = state
        rows.append(row)
    return pd.DataFrame(rows, columns=["path", *labels, "state"])


def human_size(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def artifact_tree(
    artifacts: Sequence[ArtifactPublic],
) -> list[tuple[int, str, ArtifactPublic | None]]:
    """Depth-first rows (depth, name, artifact or None for a folder) for an indented tree view."""
    rows: list[tuple[int, str, ArtifactPublic | None]] = []
    shown: set[str] = set()
    for art in sorted(artifacts, key=lambda a: a.path):
        parts = art.path.split("/")
        for depth in range(len(parts) - 1):
            folder = "/".join(parts[: depth + 1])
            if folder not in shown:
                shown.add(folder)
                rows.append((depth, parts[depth] + "/", None))
        rows.append((len(parts) - 1, parts[-1], art))
    return rows


def smooth(values: Sequence[float | None], weight: float) -> list[float | None]:
    """Exponential moving average with bias correction (TensorBoard's smoothing); gaps stay gaps."""
    if weight <= 0:
        return list(values)
    out: list[float | None] = []
    last = 0.0
    count = 0
    for value in values:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out.append(None)
            continue
        last = last * weight + (1 - weight) * value
        count += 1
        out.append(last / (1 - weight**count))
    return out


def relative_seconds(timestamps: Sequence[int]) -> list[float]:
    """Wall-clock x axis: seconds since the series' first point."""
    if not timestamps:
        return []
    first = timestamps[0]
    return [(t - first) / 1000 for t in timestamps]


def display(value: Any) -> str:
    """A table cell as text: floats to 6 significant digits, missing values blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _comparable(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, list | dict):
        return repr(value)
    return value
