"""``runway.demo``: small real scikit-learn runs on the bundled digits dataset, logged by the SDK
(what ``runway demo`` and ``runway up --demo`` run; a training script, not dashboard code).

Three experiments: an SVM grid over C and gamma (curves over training-set size), an MLP
trained epoch by epoch with ``partial_fit`` (learning curves), and random forests grown
tree by tree; and a sweep: a random search over the SVM's C and gamma (experiment
``svm-sweep``), its trials claimed and run here as ``runway agent`` would.
"""

from __future__ import annotations

import json
import struct
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEED = 0
SVM_GRID = [(c, g) for c in (0.1, 1.0, 10.0) for g in (0.01, 0.1, 1.0)]
MLP_CONFIGS: list[dict[str, Any]] = [
    {"hidden_layer_sizes": [32], "learning_rate_init": 0.001, "alpha": 0.0001},
    {"hidden_layer_sizes": [64], "learning_rate_init": 0.001, "alpha": 0.0001},
    {"hidden_layer_sizes": [64], "learning_rate_init": 0.01, "alpha": 0.0001},
    {"hidden_layer_sizes": [128, 64], "learning_rate_init": 0.001, "alpha": 0.001},
]
MLP_EPOCHS = 30
RF_CONFIGS: list[dict[str, Any]] = [{"max_depth": None}, {"max_depth": 8}, {"max_depth": 4}]
RF_TREES = range(10, 101, 10)
SVM_FRACTIONS = (0.1, 0.25, 0.5, 0.75, 1.0)
SWEEP_EXPERIMENT = "svm-sweep"
SWEEP_SPEC: dict[str, Any] = {
    "name": "svm-random-search",
    "method": "random",
    "metric": {"name": "val_acc", "goal": "maximize"},
    "parameters": {
        "C": {"distribution": "log_uniform", "min": 0.1, "max": 100},
        "gamma": {"distribution": "log_uniform", "min": 0.001, "max": 1},
        "kernel": {"value": "rbf"},
    },
    "budget": {"max_trials": 8},
    "seed": SEED,
}


@dataclass
class DemoResult:
    project: str
    runs: int = 0
    experiments: list[str] = field(default_factory=list)
    seconds: float = 0.0
    sweep_trials: int = 0


@dataclass
class Digits:
    x_train: Any
    x_val: Any
    y_train: Any
    y_val: Any


def load_digits_split() -> Digits:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x = x / 16.0  # pixel intensities 0..16 → 0..1
    x_train, x_val, y_train, y_val = train_test_split(
        x, y, test_size=0.25, random_state=SEED, stratify=y
    )
    return Digits(x_train, x_val, y_train, y_val)


DEMO_PROJECT = "digits classifier"


def run_demo(
    tracking_uri: str | None, *, project: str = DEMO_PROJECT, progress: bool = True
) -> DemoResult:
    """Log every demo run to ``tracking_uri`` (a server URL or database); returns what was made."""
    from threadpoolctl import threadpool_limits

    import runway
    from runway_core import tracking
    from runway_core.schemas import ProjectUpdate

    started = time.monotonic()
    digits = load_digits_split()
    import sklearn.ensemble
    import sklearn.neural_network
    import sklearn.svm  # noqa: F401  (loads the BLAS libraries the limit below applies to)

    # Tiny matrices: BLAS threads only contend with each other (4x slower on 2 busy cores).
    limits = threadpool_limits(1)
    result = DemoResult(project=project)
    trials = SWEEP_SPEC["budget"]["max_trials"]
    plans: list[tuple[str, str, dict[str, Any], Callable[..., Any]]] = []
    for c, gamma in SVM_GRID:
        plans.append(
            ("svm", f"svm-C{c:g}-g{gamma:g}", {"C": c, "gamma": gamma, "kernel": "rbf"}, _svm)
        )
    for i, cfg in enumerate(MLP_CONFIGS):
        plans.append(("mlp", f"mlp-{i + 1}", {**cfg, "epochs": MLP_EPOCHS, "batch_size": 64}, _mlp))
    for forest in RF_CONFIGS:
        name = f"rf-depth{forest['max_depth'] or 'full'}"
        plans.append(("random-forest", name, {**forest, "n_estimators": RF_TREES[-1]}, _forest))

    total = len(plans) + trials
    with _progress(total, enabled=progress) as advance, tempfile.TemporaryDirectory() as tmp:
        for experiment, name, params, train in plans:
            advance(f"{experiment}: {name}")
            # The lifecycle API rather than runway.init(): no "run … recorded in …" line per run
            # under the progress bar.
            run = tracking.start_run(
                project,
                experiment,
                name=name,
                params=params,
                tags={"dataset": "sklearn digits", "demo": "true"},
                tracking_uri=tracking_uri,
                # The process is Runway's own CLI: its git state and source are the checkout
                # Runway runs from, not the user's code, so only the environment is recorded.
                capture={"git": False, "diff": False, "source": False},
            )
            with run:
                folder = Path(tmp) / name
                folder.mkdir()
                model, predictions = train(run, params, digits)
                _write_artifacts(run, folder, experiment, params, model, digits, predictions)
            result.runs += 1
            if experiment not in result.experiments:
                result.experiments.append(experiment)
        result.sweep_trials = _sweep(tracking_uri, project, digits, advance)
        advance(None)
    limits.restore_original_limits()
    client = runway.Client(tracking_uri)
    try:
        found = client.get_project(project)
        client.store.update_project(
            found.id,
            ProjectUpdate(
                description="Handwritten digits (scikit-learn's bundled 8x8 images): "
                "SVM, MLP and random forest.",
                primary_metric="val_acc",
                primary_metric_goal="max",
            ),
        )
    finally:
        client.close()
    result.seconds = time.monotonic() - started
    return result


def _sweep(
    tracking_uri: str | None, project: str, d: Digits, advance: Callable[[str | None], None]
) -> int:
    """Register the demo sweep and run its trials one by one: claim, train, log, finish."""
    from sklearn.svm import SVC

    import runway
    from runway_core import tracking
    from runway_core.schemas import ExperimentCreate
    from runway_core.schemas.sweep import SweepCreate

    with runway.Client(tracking_uri) as client:
        store = client.store
        project_id = client.get_project(project).id
        exp = store.create_experiment(
            project_id, ExperimentCreate(name=SWEEP_EXPERIMENT), exist_ok=True
        )
        sweep = store.create_sweep(SweepCreate(experiment_id=exp.id, spec=SWEEP_SPEC))
        done = 0
        while (trial := store.claim_next_trial(sweep.id, "runway demo")) is not None:
            advance(f"sweep: trial {trial.number}")
            p = trial.params
            run = tracking.start_run(
                project, SWEEP_EXPERIMENT, run_id=trial.run_id, tracking_uri=tracking_uri,
                capture=False,
            )  # fmt: skip
            with run:
                model = SVC(C=p["C"], gamma=p["gamma"], kernel=p["kernel"], random_state=SEED)
                model.fit(d.x_train, d.y_train)
                run.log(
                    {
                        "train_acc": float(model.score(d.x_train, d.y_train)),
                        "val_acc": float(model.score(d.x_val, d.y_val)),
                    }
                )
            done += 1
        tracking.flush(tracking_uri=tracking_uri)
    return done


def _svm(run: Any, params: dict[str, Any], d: Digits) -> tuple[Any, Any]:
    """Accuracy as the training set grows: step = number of training samples."""
    from sklearn.svm import SVC

    model = None
    for fraction in SVM_FRACTIONS:
        n = int(len(d.y_train) * fraction)
        model = SVC(C=params["C"], gamma=params["gamma"], kernel="rbf", random_state=SEED)
        t0 = time.perf_counter()
        model.fit(d.x_train[:n], d.y_train[:n])
        run.log(
            {
                "train_acc": float(model.score(d.x_train[:n], d.y_train[:n])),
                "val_acc": float(model.score(d.x_val, d.y_val)),
                "fit_seconds": time.perf_counter() - t0,
            },
            step=n,
        )
    assert model is not None
    return model, model.predict(d.x_val)


def _mlp(run: Any, params: dict[str, Any], d: Digits) -> tuple[Any, Any]:
    """One ``partial_fit`` call per epoch: a pass over the shuffled set in mini-batches."""
    import numpy as np
    from sklearn.metrics import log_loss
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        hidden_layer_sizes=tuple(params["hidden_layer_sizes"]),
        learning_rate_init=params["learning_rate_init"],
        alpha=params["alpha"],
        batch_size=params["batch_size"],
        random_state=SEED,
    )
    classes = np.unique(d.y_train)
    rng = np.random.default_rng(SEED)
    for epoch in range(1, params["epochs"] + 1):
        order = rng.permutation(len(d.y_train))
        model.partial_fit(d.x_train[order], d.y_train[order], classes=classes)
        run.log(
            {
                "loss": float(log_loss(d.y_train, model.predict_proba(d.x_train), labels=classes)),
                "val_loss": float(log_loss(d.y_val, model.predict_proba(d.x_val), labels=classes)),
                "train_acc": float(model.score(d.x_train, d.y_train)),
                "val_acc": float(model.score(d.x_val, d.y_val)),
            },
            step=epoch,
        )
    return model, model.predict(d.x_val)


def _forest(run: Any, params: dict[str, Any], d: Digits) -> tuple[Any, Any]:
    """Trees added ten at a time (``warm_start``): step = number of trees."""
    from sklearn.ensemble import RandomForestClassifier

    model = RandomForestClassifier(
        n_estimators=RF_TREES[0],
        max_depth=params["max_depth"],
        warm_start=True,
        random_state=SEED,
        n_jobs=1,
    )
    for trees in RF_TREES:
        model.set_params(n_estimators=trees)
        model.fit(d.x_train, d.y_train)
        run.log(
            {
                "train_acc": float(model.score(d.x_train, d.y_train)),
                "val_acc": float(model.score(d.x_val, d.y_val)),
            },
            step=trees,
        )
    return model, model.predict(d.x_val)


def _write_artifacts(
    run: Any,
    folder: Path,
    experiment: str,
    params: dict[str, Any],
    model: Any,
    d: Digits,
    predictions: Any,
) -> None:
    """A config file (differs between runs), the pickled model, and a confusion-matrix image."""
    import joblib
    from sklearn.metrics import confusion_matrix

    config = {
        "experiment": experiment,
        "model": type(model).__name__,
        "params": params,
        "data": {
            "dataset": "sklearn.datasets.load_digits",
            "scale": "x / 16",
            "val_fraction": 0.25,
            "stratify": True,
            "seed": SEED,
        },
    }
    config_path = folder / "config.json"
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    run.log_artifact(config_path)
    model_path = folder / "model.joblib"
    joblib.dump(model, model_path)
    run.log_artifact(model_path)
    matrix = confusion_matrix(d.y_val, predictions)
    png = folder / "confusion_matrix.png"
    png.write_bytes(_heatmap_png(matrix.tolist()))
    run.log_artifact(png)


def _heatmap_png(matrix: list[list[int]], cell: int = 20) -> bytes:
    """A grayscale PNG of a matrix (dark = many), written with zlib alone (no plotting library)."""
    top = max(max(row) for row in matrix) or 1
    rows = []
    for row in matrix:
        line = bytes(255 - int(220 * v / top) for v in row for _ in range(cell))
        rows.extend([b"\x00" + line] * cell)
    width, height = len(matrix[0]) * cell, len(matrix) * cell

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


class _progress:
    """A rich progress bar over the runs; ``advance(label)`` moves it, ``advance(None)`` ends."""

    def __init__(self, total: int, *, enabled: bool):
        self.total, self.enabled = total, enabled

    def __enter__(self) -> Callable[[str | None], None]:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.bar = Progress(
            TextColumn("[bold]demo[/] {task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            disable=not self.enabled,
            transient=False,
        )
        self.bar.start()
        self.task = self.bar.add_task("", total=self.total)
        self.seen = 0

        def advance(label: str | None) -> None:
            if self.seen:
                self.bar.advance(self.task)
            self.seen += 1
            self.bar.update(self.task, description=label or "done")

        return advance

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()
