"""The SDK reads its environment through ``runway_core.config.settings()``: one rule, one error
naming the variable for a bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

import runway
from runway_core import tracking
from runway_core.errors import InvalidInput


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("RUNWAY_HTTP_TIMEOUT", "soon"),
        ("RUNWAY_SPOOL_MAX_COPY_MB", "lots"),
        ("RUNWAY_MODE", "sometimes"),
        ("RUNWAY_SILENT", "maybe"),
    ],
)
def test_a_bad_value_is_refused_at_init_naming_the_variable(
    sqlite_uri: str, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidInput, match=rf"^{variable}: .*\(got '{value}'\)") as raised:
        runway.init(project="p", tracking_uri=sqlite_uri, capture=False)
    assert raised.value.field == variable
    assert runway.active_run() is None


def test_project_experiment_and_spool_come_from_the_environment(
    sqlite_uri: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RUNWAY_PROJECT", "from-env")
    monkeypatch.setenv("RUNWAY_EXPERIMENT", "exp-env")
    monkeypatch.setenv("RUNWAY_SPOOL_DIR", str(tmp_path / "elsewhere"))
    with runway.init(tracking_uri=sqlite_uri, mode="offline", capture=False) as run:
        run.log({"x": 1.0})
    tracking.flush()
    assert (run.project, run.experiment) == ("from-env", "exp-env")
    assert (tmp_path / "elsewhere" / f"{run.id}.jsonl").exists()
