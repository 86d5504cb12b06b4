"""``runway sweep`` commands on the embedded store, and trials handed to a launcher: an in-test
launcher object, and one loaded by import path from the spec."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from runway_core.errors import InvalidInput
from runway_core.schemas import RunStatus
from runway_core.store.sql import SqlStore
from runway_core.sweeps import TrialLauncher, load_launcher
from runway_core.sweeps.launch import launch_trials
from runway_core.sweeps.spec import LauncherSpec

from .conftest import create_sweep, runway_cli, write_spec

SPEC: dict[str, Any] = {
    "method": "grid",
    "metric": {"name": "acc", "goal": "maximize"},
    "parameters": {"c": {"values": [0.1, 1, 10]}, "kernel": {"value": "rbf"}},
}

LAUNCHER_MODULE = '''
import json
from pathlib import Path


class FileLauncher:
    """Records each launch in a file, as an orchestrator would record a flow run."""

    def __init__(self, folder, prefix="run"):
        self.folder = Path(folder)
        self.prefix = prefix

    def launch(self, run_id, params):
        (self.folder / f"{run_id}.json").write_text(json.dumps(params))
        return f"{self.prefix}://{run_id}"
'''


class ListLauncher:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def launch(self, run_id: str, params: dict[str, Any]) -> str:
        self.calls.append((run_id, params))
        return f"https://orchestrator.example/runs/{len(self.calls)}"


def test_sweep_commands_end_to_end(tmp_path: Path, env: dict[str, str]) -> None:
    db = str(tmp_path / "runway.db")
    uniform = {"c": {"distribution": "uniform", "min": 0, "max": 1}}
    bad = write_spec(tmp_path / "bad.yaml", {**SPEC, "parameters": uniform})
    done = runway_cli(
        "sweep", "create", str(bad), "-p", "p", "-e", "e", "--tracking-uri", db, env=env
    )
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: spec: parameters.c: method grid needs values")

    (tmp_path / "launchers.py").write_text(textwrap.dedent(LAUNCHER_MODULE))
    out = tmp_path / "launched"
    out.mkdir()
    launcher = {"type": "launchers:FileLauncher", "folder": str(out), "prefix": "flow"}
    sweep_id = create_sweep(tmp_path, {**SPEC, "name": "svm-c", "launcher": launcher}, db, env)
    assert len(sweep_id) == 32

    listed = runway_cli("sweep", "list", "--tracking-uri", db, env=env)
    assert listed.returncode == 0 and "svm-c" in listed.stdout and "0/3 finished" in listed.stdout
    paused = runway_cli("sweep", "pause", sweep_id, "--tracking-uri", db, env=env)
    assert paused.stdout.strip() == "sweep svm-c is paused"
    launch_env = {**env, "PYTHONPATH": str(tmp_path)}  # where the launcher's module is
    nothing = runway_cli("sweep", "launch", sweep_id, "--tracking-uri", db, env=launch_env)
    assert nothing.returncode == 0 and "launched 0 trial(s)" in nothing.stdout
    resumed = runway_cli("sweep", "resume", sweep_id, "--tracking-uri", db, env=env)
    assert resumed.stdout.strip() == "sweep svm-c is running"

    launched = runway_cli(
        "sweep", "launch", sweep_id, "-n", "2", "--tracking-uri", db, env=launch_env
    )
    assert launched.returncode == 0, launched.stderr
    assert "launched 2 trial(s)" in launched.stdout
    records = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}
    assert sorted(r["c"] for r in records.values()) == [0.1, 1]

    shown = runway_cli("sweep", "show", sweep_id, "--tracking-uri", db, env=env)
    assert shown.returncode == 0 and "flow://" in shown.stdout and "queued" in shown.stdout

    stopped = runway_cli("sweep", "stop", sweep_id, "--tracking-uri", db, env=env)
    assert stopped.stdout.strip() == "sweep svm-c is stopped"
    store = SqlStore(db)
    try:
        trials = store.list_trials(sweep_id)
        assert [t.status for t in trials] == [RunStatus.running] * 2 + [RunStatus.killed]
        assert [t.launched for t in trials[:2]] == [f"flow://{t.run_id}" for t in trials[:2]]
    finally:
        store.close()

    # No launcher in the spec, an agent without a command: one readable line each.
    plain = create_sweep(tmp_path, SPEC, db, env)
    cases = (["sweep", "launch", plain], "has no launcher"), (["agent", plain], "no command")
    for args, words in cases:
        failed = runway_cli(*args, "--tracking-uri", db, env=env)
        assert failed.returncode == 1 and failed.stderr.count("\n") == 1, failed.stderr
        assert words in failed.stderr


def test_launch_hands_claimed_trials_to_a_launcher_object(sqlite_uri: str) -> None:
    from runway_core.schemas import ExperimentCreate, ProjectCreate
    from runway_core.schemas.sweep import SweepCreate

    store = SqlStore(sqlite_uri)
    try:
        exp = store.create_experiment(
            store.create_project(ProjectCreate(name="p")).id, ExperimentCreate(name="e")
        )
        sweep = store.create_sweep(SweepCreate(experiment_id=exp.id, spec=SPEC))
        launcher = ListLauncher()
        assert isinstance(launcher, TrialLauncher)
        first = launch_trials(store, sweep.id, launcher, count=2, worker="launcher:test")
        rest = launch_trials(store, sweep.id, launcher, worker="launcher:test")
        assert [item.trial.number for item in first + rest] == [0, 1, 2]
        assert [params["c"] for _, params in launcher.calls] == [0.1, 1, 10]
        trials = store.list_trials(sweep.id)
        assert [t.launched for t in trials] == [
            f"https://orchestrator.example/runs/{i}" for i in (1, 2, 3)
        ]
        assert all(t.status == RunStatus.running for t in trials)
    finally:
        store.close()


@pytest.mark.parametrize(
    ("launcher", "words"),
    [
        ({"type": "local"}, "runway agent"),
        ({"type": "no_such_package.launch:Launcher"}, "is not installed"),
        ({"type": "json:JSONDecoder"}, "has no launch"),
        ({"type": "json:NoSuchClass"}, "has no NoSuchClass"),
        ({"type": "nonsense"}, "not prefect, airflow or an import path"),
    ],
)
def test_a_launcher_that_cannot_load_is_one_clear_error(
    launcher: dict[str, Any], words: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        load_launcher(LauncherSpec.model_validate(launcher))
    assert words in err.value.message and "\n" not in err.value.message
