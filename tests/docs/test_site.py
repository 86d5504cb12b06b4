"""The documentation: the README stays a front page, and the reference pages are generated from
the code (docs/hooks/reference.py), so a setting or a route cannot go undocumented."""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import Field
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[2]


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "docs_reference", ROOT / "docs/hooks/reference.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_is_a_front_page() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    for needed in ("bash scripts/up.sh", "bash scripts/test.sh", "runway.init(", "mkdocs serve"):
        assert needed in readme, needed
    # Every page it links to exists.
    for page in ("getting-started", "tracking", "prefect", "airflow", "mlflow", "sweeps"):
        assert f"(docs/{page}.md)" in readme and (ROOT / "docs" / f"{page}.md").is_file()


def test_every_setting_is_on_the_configuration_page() -> None:
    from runway.airflow.settings import AirflowSettings
    from runway_core.config import Settings

    page = _hooks().settings_reference()
    for cls, prefix in ((Settings, "RUNWAY_"), (AirflowSettings, "RUNWAY_AIRFLOW_")):
        for name, field in cls.model_fields.items():
            row = next(r for r in page.splitlines() if r.startswith(f"| `{prefix}{name.upper()}`"))
            assert field.description is not None
            assert field.description.replace("|", "\\|") in row
    assert "| `RUNWAY_MAX_BODY_BYTES` | `67108864` |" in page


def test_a_setting_without_a_description_stops_the_build() -> None:
    class Undocumented(BaseSettings):
        documented: int = Field(1, description="has one")
        silent: int = 2

    with pytest.raises(ValueError, match=r"Undocumented\.silent has no description"):
        _hooks().settings_table(Undocumented)


def test_every_operation_is_on_the_rest_api_page() -> None:
    hooks = _hooks()
    document = hooks.openapi_document()
    page = hooks.endpoint_tables(document)
    for path, operations in document["paths"].items():
        for method in operations:
            if method in hooks.METHODS:
                assert f"| `{method.upper()} {path}` |" in page
    assert "| `POST /api/v1/runs/{run_id}/metrics` |" in page


def test_a_broken_link_or_anchor_fails_the_build(tmp_path: Path) -> None:
    """The build as scripts/test.sh runs it (its own arguments): strict, links and anchors
    checked, and its warnings not hidden (``--quiet`` would hide them from ``--strict`` too)."""
    (line,) = [
        line
        for line in (ROOT / "scripts" / "test.sh").read_text().splitlines()
        if "mkdocs build" in line and not line.lstrip().startswith(("#", "echo"))
    ]
    args = shlex.split(line.split("mkdocs", 1)[1].replace('"$logs/site"', "out"))
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    page = tmp_path / "docs" / "benchmarks.md"
    page.write_text(page.read_text() + "\n[gone](no-such-page.md), [moved](serving.md#no-such)\n")
    mkdocs = [sys.executable, "-m", "mkdocs", *args]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    broken = subprocess.run(mkdocs, cwd=tmp_path, capture_output=True, text=True, env=env)
    assert broken.returncode != 0
    assert "no-such-page.md" in broken.stderr and "#no-such" in broken.stderr
    page.write_text((ROOT / "docs" / "benchmarks.md").read_text())
    fixed = subprocess.run(mkdocs, cwd=tmp_path, capture_output=True, text=True, env=env)
    assert fixed.returncode == 0, fixed.stderr
    assert (tmp_path / "out" / "openapi.json").is_file()
