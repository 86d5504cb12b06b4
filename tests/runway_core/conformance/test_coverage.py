"""Every ``Store`` method has a conformance test: a test in this folder that calls it on the
``store`` fixture (so on SQLite, PostgreSQL and HTTP) and asserts something.

A method added to the protocol without one fails here. Calls are found by reading the test
modules' source: ``store.<method>`` inside a ``test_*`` function that has an ``assert`` or a
``pytest.raises``.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.runway_core.test_store_protocol import protocol_methods

HERE = Path(__file__).parent


def _asserts(function: ast.AST) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            return True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "raises"
        ):
            return True
    return False


def covered_methods(source: str) -> set[str]:
    """Names used as ``store.<name>`` in the asserting ``test_*`` functions of ``source``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test_")):
            continue
        if not _asserts(node):
            continue
        for inner in ast.walk(node):
            if (
                isinstance(inner, ast.Attribute)
                and isinstance(inner.value, ast.Name)
                and inner.value.id == "store"
            ):
                found.add(inner.attr)
    return found


def conformance_sources() -> dict[str, str]:
    own = Path(__file__).name
    return {p.name: p.read_text() for p in sorted(HERE.glob("test_*.py")) if p.name != own}


def test_every_protocol_method_has_a_conformance_test() -> None:
    covered: set[str] = set()
    for source in conformance_sources().values():
        covered |= covered_methods(source)
    missing = sorted(set(protocol_methods()) - covered)
    assert missing == [], f"Store methods without a conformance test in {HERE}: {missing}"


def test_the_check_can_fail() -> None:
    source = """
def test_reads(store):
    assert store.get_run("x")

def test_no_assertion(store):
    store.delete_run("x")

def helper(store):
    assert store.delete_project("x")

def test_raises(store):
    with pytest.raises(NotFound):
        store.get_project("0")
"""
    assert covered_methods(source) == {"get_run", "get_project"}
