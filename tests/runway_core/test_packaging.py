"""The wheel installs into a fresh virtual environment with only the base dependencies (an HTTP
client: no SQLAlchemy, no web framework), carries every package folder, and exposes clean import
names (no bare ``api``/``ui``/``integrations``)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {
    "runway_core": "runway_core",
    "integrations/scripts": "runway",
    "api": "runway/api",
    "ui": "runway/ui",
    "integrations/prefect": "runway/prefect",
    "integrations/airflow": "runway/airflow",
}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
    )
    [whl] = out.glob("runway_tracker-*.whl")
    return whl


def test_wheel_holds_every_package_folder(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = set()
    for folder, target in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.relative_to(ROOT / folder).as_posix()
            expected.add(f"{target}/{rel}")
    missing = sorted(expected - names)
    assert not missing, f"package folders missing from pyproject's packages list: {missing}"
    assert not any(n.startswith(("api/", "ui/", "integrations/", "tests/")) for n in names)
    assert "runway_core/migrations/script.py.mako" in names


@pytest.mark.e2e
def test_base_install_imports_public_names(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel)], check=True, timeout=600)
    code = (
        "import runway, runway_core, runway_core.store, runway_core.schemas\n"
        "from runway_core.store.http import HttpStore\n"
        "import runway_core.tracking.writer, runway_core.tracking.sync\n"
        "import importlib.util as u\n"
        "assert all(u.find_spec(n) is None for n in ('api', 'ui', 'integrations'))\n"
        "for n in ('fastapi', 'streamlit', 'sqlmodel', 'sqlalchemy', 'alembic'):\n"
        "    assert u.find_spec(n) is None, n\n"
        "print(sorted(runway.__all__))\n"
    )
    out = subprocess.run([str(py), "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "init" in out.stdout and "Client" in out.stdout
    # The embedded store without the `local` extra: one readable error naming the fix.
    init = subprocess.run(
        [str(py), "-c", "import runway; runway.init(project='p')"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert init.returncode == 1
    assert "runway-tracker[local]" in init.stderr
    version = subprocess.run(
        [str(venv / "bin" / "runway"), "--version"], capture_output=True, text=True
    )
    assert version.returncode == 0 and version.stdout.startswith("runway ")
    # A missing extra is one readable line, not a traceback.
    server = subprocess.run(
        [str(venv / "bin" / "runway"), "server", "--port", "1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert server.returncode == 1
    assert "runway-tracker[server]" in server.stderr and "Traceback" not in server.stderr
