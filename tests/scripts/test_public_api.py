"""The public surface of ``import runway``: exactly the curated names, and clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import runway

EXPECTED = {
    "Client",
    "Run",
    "RunwayError",
    "__version__",
    "active_run",
    "finish",
    "init",
    "log",
    "log_params",
    "set_tags",
}


def test_all_is_exactly_the_curated_names() -> None:
    assert set(runway.__all__) == EXPECTED
    assert len(runway.__all__) == len(EXPECTED)
    for name in runway.__all__:
        assert getattr(runway, name) is not None


def test_public_names_come_from_their_modules() -> None:
    from runway_core import __version__
    from runway_core.errors import RunwayError

    assert runway.__version__ == __version__
    assert runway.RunwayError is RunwayError
    assert isinstance(runway.Client, type) and isinstance(runway.Run, type)


def test_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        runway.nope  # noqa: B018


def test_import_runway_is_light() -> None:
    """``import runway`` must not pull the store, SQLAlchemy or httpx in (lazy names)."""
    code = (
        "import sys, runway; "
        "mods = ('sqlalchemy', 'sqlmodel', 'httpx', 'runway._run'); "
        "heavy = [m for m in mods if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_module_level_calls_before_init_raise_a_clear_error() -> None:
    assert runway.active_run() is None
    # A usage mistake has its own class (a 409 over HTTP), not a bare RunwayError (a 500).
    with pytest.raises(runway.errors.UsageError, match=r"call runway.init\(\.\.\.\) first"):
        runway.log({"loss": 1.0})
    with pytest.raises(runway.errors.UsageError, match="init"):
        runway.log_params({"a": 1})
    with pytest.raises(runway.errors.UsageError, match="init"):
        runway.set_tags({"a": "b"})
    runway.finish()  # no active run: nothing to do, no error
    assert runway.errors.UsageError.status == 409


def test_logging_to_a_finished_run_is_a_usage_error(tmp_path: Path) -> None:
    run = runway.init(project="p", tracking_uri=f"sqlite:///{tmp_path / 'u.db'}", capture=False)
    run.log({"loss": 1.0})
    run.finish()
    with pytest.raises(runway.errors.UsageError, match="is finished; start a new one"):
        run.log({"loss": 0.5})


def test_runway_errors_is_the_error_hierarchy() -> None:
    """``except runway.errors.Unauthorized:`` works without importing runway_core."""
    import runway_core.errors as core

    assert runway.errors.Unauthorized is core.Unauthorized
    assert runway.errors.Forbidden is core.Forbidden
    assert runway.errors.RunwayError is runway.RunwayError
    for name in runway.errors.__all__:
        assert issubclass(getattr(runway.errors, name), core.RunwayError)
