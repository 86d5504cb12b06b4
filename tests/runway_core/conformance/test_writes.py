"""The run-lifecycle operations behave the same on every store: ``ensure_run`` (get-or-create
with the first writes in one transaction), ``apply_writes`` (typed writes in order, each
answered on its own) and ``attach_artifact_content`` (index known content, no upload)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from runway_core.errors import InvalidInput, NotFound
from runway_core.schemas import MetricBatch, MetricSeriesIn, RunStatus, RunUpdate
from runway_core.schemas.writes import (
    ContentWrite,
    CreateRunWrite,
    LinkWrite,
    MetricsWrite,
    ParamsWrite,
    RunStart,
    RunUpdateWrite,
    TagsWrite,
)
from runway_core.store import Store


def _start(run_id: str = "a" * 32, **fields: object) -> RunStart:
    return RunStart(
        id=run_id,
        project=str(fields.pop("project", "digits")),
        experiment=str(fields.pop("experiment", "svm")),
        **fields,  # type: ignore[arg-type]
    )


@pytest.fixture(autouse=True)
def _artifacts_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # PostgreSQL stores keep artifacts in ./runway-artifacts


def test_ensure_run_creates_project_experiment_and_run_once(store: Store) -> None:
    start = _start(
        name="first",
        params={"C": 1.0, "opt": {"lr": 0.01}},
        tags={"stage": "dev"},
        source="script",
        source_ids={"external_key": "prefect:flow-run:1"},
        git_commit="c" * 40,
        command="python train.py",
    )
    run = store.ensure_run(start)
    assert run.id == start.id and run.name == "first" and run.status == RunStatus.running
    assert run.params == {"C": 1.0, "opt.lr": 0.01} and run.tags == {"stage": "dev"}
    assert run.source_ids == {"external_key": "prefect:flow-run:1"}
    assert run.git_commit == "c" * 40 and run.start_time is not None
    project = store.get_project_by_name("digits")
    assert store.get_experiment_by_name(project.id, "svm").id == run.experiment_id
    # Again, even with other values: the stored run is returned as it is.
    again = store.ensure_run(_start(name="second", params={"C": 2.0}))
    assert again.id == run.id and again.name == "first" and again.params == run.params
    other = store.ensure_run(_start("b" * 32, experiment="mlp"))
    assert other.project_id == run.project_id and other.experiment_id != run.experiment_id
    assert len(store.list_projects()) == 1


def test_ensure_run_refuses_bad_input_and_stores_nothing(store: Store) -> None:
    with pytest.raises(InvalidInput, match="project"):
        store.ensure_run(_start(project="  "))
    with pytest.raises(InvalidInput, match="id"):
        store.ensure_run(_start("not-hex!"))
    with pytest.raises(InvalidInput, match=r"params\.lr"):
        store.ensure_run(_start(params={"lr": float("nan")}))
    with pytest.raises(NotFound, match="parent run"):
        store.ensure_run(_start(parent_run_id="f" * 32))
    assert store.list_projects() == []


def test_apply_writes_in_order_each_answered_on_its_own(store: Store) -> None:
    run_id = "d" * 32
    batch = MetricBatch(batch_id="b1", metrics={"loss": MetricSeriesIn(values=[0.5, 0.25])})
    results = store.apply_writes(
        [
            CreateRunWrite(run_id=run_id, run=_start(run_id, params={"lr": 0.1})),
            ParamsWrite(run_id=run_id, params={"lr": 0.2}),  # refused: 409, not overwrite
            ParamsWrite(run_id=run_id, params={"epochs": 3}),
            TagsWrite(run_id=run_id, tags={"t": "v"}),
            MetricsWrite(run_id=run_id, batch=batch),
            MetricsWrite(run_id=run_id, batch=batch),  # the same batch id: stored once
            MetricsWrite(run_id="e" * 32, batch=batch),  # unknown run: 404
            LinkWrite(run_id=run_id, path="data", uri="s3://bucket/data"),
            RunUpdateWrite(run_id=run_id, update=RunUpdate(status=RunStatus.finished)),
        ]
    )
    assert [r.status for r in results] == [200, 409, 200, 200, 200, 200, 404, 200, 200]
    assert results[1].error is not None and results[1].error.code == "CONFLICT"
    assert results[1].error.field == "params.lr"
    assert results[6].error is not None and results[6].error.code == "NOT_FOUND"
    assert results[7].artifact is not None and results[7].artifact.kind == "link"
    stored = store.get_run(run_id)
    assert stored.params == {"lr": 0.1, "epochs": 3} and stored.tags == {"t": "v"}
    assert stored.status == RunStatus.finished and stored.end_time is not None
    assert store.get_metric_history(run_id, "loss").values == [0.5, 0.25]


def test_an_update_write_changes_only_the_fields_it_sets(store: Store) -> None:
    run_id = "9" * 32
    store.ensure_run(_start(run_id, name="kept", description="kept too"))
    write = RunUpdateWrite(run_id=run_id, update=RunUpdate(status=RunStatus.killed))
    # Through JSON (the spool, the batch route) the unset fields stay unset, not null.
    again = RunUpdateWrite.model_validate_json(write.model_dump_json())
    assert store.apply_writes([again])[0].ok
    stored = store.get_run(run_id)
    assert (stored.name, stored.description, stored.status) == (
        "kept",
        "kept too",
        RunStatus.killed,
    )


def test_attach_artifact_content_indexes_known_content_without_upload(store: Store) -> None:
    first = store.ensure_run(_start("1" * 32))
    second = store.ensure_run(_start("2" * 32))
    data = b"numpy==2.1.0\nscikit-learn==1.5.2\n"
    sha = hashlib.sha256(data).hexdigest()
    with pytest.raises(NotFound) as unknown:
        store.attach_artifact_content(second.id, "repro/requirements.txt", sha)
    assert unknown.value.field == "sha256"
    uploaded = store.log_artifact(first.id, "repro/requirements.txt", io.BytesIO(data))
    assert uploaded.sha256 == sha
    attached = store.attach_artifact_content(second.id, "repro/requirements.txt", sha)
    assert (attached.sha256, attached.size, attached.kind) == (sha, len(data), "file")
    with store.open_artifact(second.id, "repro/requirements.txt") as f:
        assert f.read() == data
    result = store.apply_writes(
        [ContentWrite(run_id=second.id, path="copy/requirements.txt", sha256=sha)]
    )[0]
    assert result.ok and result.artifact is not None and result.artifact.size == len(data)
    with pytest.raises(InvalidInput, match="is not a zip or tar archive"):
        store.attach_artifact_content(second.id, "x.zip", sha, kind="archive")
    with pytest.raises(InvalidInput, match="sha256"):
        store.attach_artifact_content(second.id, "x.txt", "not-a-hash")
    with pytest.raises(NotFound, match="run"):
        store.attach_artifact_content("3" * 32, "x.txt", sha)


def test_known_content_of_another_project_is_not_attached(store: Store) -> None:
    mine = store.ensure_run(_start("4" * 32, project="mine"))
    theirs = store.ensure_run(_start("5" * 32, project="theirs"))
    data = b"secret weights"
    store.log_artifact(theirs.id, "model.bin", io.BytesIO(data))
    with pytest.raises(NotFound):
        store.attach_artifact_content(mine.id, "model.bin", hashlib.sha256(data).hexdigest())


def test_artifacts_of_a_run_created_in_the_same_batch_follow_the_path_rules(
    store: Store,
) -> None:
    """A run new in the batch has only the batch's artifacts; clashes and replacements among
    them behave as for any run."""
    seed = store.ensure_run(_start("6" * 32))
    data = b"weights"
    sha = store.log_artifact(seed.id, "model.bin", io.BytesIO(data)).sha256
    assert sha is not None
    run_id = "7" * 32
    results = store.apply_writes(
        [
            CreateRunWrite(run_id=run_id, run=_start(run_id)),
            ContentWrite(run_id=run_id, path="out/model.bin", sha256=sha),
            ContentWrite(run_id=run_id, path="out", sha256=sha),  # a file where a folder is
            LinkWrite(run_id=run_id, path="out/model.bin/x", uri="s3://b/x"),  # below a file
            LinkWrite(run_id=run_id, path="out/model.bin", uri="s3://b/m"),  # replaces it
            ContentWrite(run_id=run_id, path="copy.bin", sha256=sha),
        ]
    )
    assert [r.status for r in results] == [200, 200, 409, 409, 200, 200]
    artifacts = {a.path: a.kind for a in store.list_artifacts(run_id)}
    assert artifacts == {"out/model.bin": "link", "copy.bin": "file"}


def test_a_write_that_is_not_valid_input_refuses_the_whole_batch(store: Store) -> None:
    run_id = "8" * 32
    with pytest.raises(InvalidInput) as bad:
        store.apply_writes(
            [
                CreateRunWrite(run_id=run_id, run=_start(run_id, project="refused")),
                TagsWrite(run_id=run_id, tags={"t": "v"}),
                ParamsWrite(run_id=run_id, params={"lr": float("nan")}),
            ]
        )
    assert bad.value.field == "writes.2.params.lr" and "writes[2]" in bad.value.message
    assert store.list_projects() == []  # nothing of the batch was applied
