"""Private modules stay private to their package: nothing outside the SDK's folder imports
``runway._*`` (``runway run``, the integrations and the dashboard go through
``runway_core.tracking`` and the public ``runway`` names instead)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "integrations" / "scripts"
SKIP = {".venv", "build", ".git", "node_modules"}


def _private_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            names = [a.value for a in node.args if isinstance(a, ast.Constant)]
        else:
            continue
        found += [f"{path}:{node.lineno}: {n}" for n in names if _private(n)]
    return found


def _private(name: object) -> bool:
    parts = str(name).split(".")
    return parts[0] == "runway" and len(parts) > 1 and parts[1].startswith("_")


def _python_files() -> list[Path]:
    return [
        p
        for p in ROOT.rglob("*.py")
        if not SKIP & set(parts := p.relative_to(ROOT).parts)
        and not parts[0].startswith(".venv")  # .venv-mlflow, .venv-airflow: other projects' code
        and not p.is_relative_to(SDK)
    ]


def test_no_module_outside_the_sdk_imports_its_private_modules() -> None:
    files = _python_files()
    assert any(p.match("api/app.py") for p in files) and any(p.match("ui/*.py") for p in files)
    offenders = [line for path in files for line in _private_imports(path)]
    assert offenders == []


def test_the_check_sees_each_form_of_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import runway._fluent\n"
        "from runway._client import Client\n"
        "from runway import _run_command\n"
        "importlib.import_module('runway._modes')\n"
        "import runway, runway_core._x\n"
    )
    found = [line.split(": ", 1)[1] for line in _private_imports(sample)]
    assert found == [
        "runway._fluent",
        "runway._client",
        "runway._client.Client",
        "runway._run_command",
        "runway._modes",
    ]
