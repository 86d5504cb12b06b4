"""The ``Store`` protocol and its two implementations offer the same operations, with the same
parameters (names, order, keyword-only-ness, defaults), and nothing else public.

Types are checked statically: ``runway_core/store/__init__.py`` assigns each implementation to
``Store`` under ``TYPE_CHECKING``, which mypy verifies.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from runway_core.store import Store
from runway_core.store.http import HttpStore
from runway_core.store.sql import SqlStore

IMPLEMENTATIONS = [SqlStore, HttpStore]


def is_method(value: Any) -> bool:
    return inspect.isfunction(value) or isinstance(value, (staticmethod, classmethod))


def public_methods(cls: type) -> dict[str, Any]:
    """Public methods by name, wherever in the class's bases they are defined (not properties)."""
    found: dict[str, Any] = {}
    for name in dir(cls):
        if name.startswith("_"):
            continue
        value = inspect.getattr_static(cls, name)
        if is_method(value):
            found[name] = getattr(cls, name)
    return found


def protocol_methods() -> dict[str, Any]:
    return {
        name: value
        for name, value in vars(Store).items()
        if not name.startswith("_") and is_method(value)
    }


def shape(function: Any) -> list[tuple[str, str, Any]]:
    """What a caller relies on: each parameter's name, kind and default (``self`` dropped)."""
    params = list(inspect.signature(function).parameters.values())[1:]
    return [(p.name, p.kind.name, p.default) for p in params]


def test_the_protocol_lists_the_operations() -> None:
    # A sample that must never go missing: the ones the API, SDK and dashboard call.
    expected = {
        "create_project", "get_run", "log_metrics", "search_runs", "log_artifact",
        "log_artifacts", "get_artifact", "open_artifact", "create_credential",
        "get_credential", "update_credential_secrets", "delete_credential", "close",
    }  # fmt: skip
    assert expected <= set(protocol_methods())


@pytest.mark.parametrize("impl", IMPLEMENTATIONS, ids=lambda c: c.__name__)
def test_implementation_has_exactly_the_protocols_methods(impl: type) -> None:
    protocol = set(protocol_methods())
    public = set(public_methods(impl))
    assert sorted(protocol - public) == [], f"{impl.__name__} lacks protocol methods"
    assert sorted(public - protocol) == [], (
        f"{impl.__name__} has public methods outside the protocol: add them to Store "
        "(and to the other implementation) or make them private"
    )


@pytest.mark.parametrize("impl", IMPLEMENTATIONS, ids=lambda c: c.__name__)
def test_signatures_match_the_protocol(impl: type) -> None:
    methods = public_methods(impl)
    mismatched = {
        name: (shape(proto), shape(methods[name]))
        for name, proto in protocol_methods().items()
        if name in methods and shape(proto) != shape(methods[name])
    }
    assert mismatched == {}, f"{impl.__name__} drifted from Store (protocol, implementation)"


def test_the_check_can_fail() -> None:
    """The comparison sees a renamed parameter, a lost keyword-only marker and a new default."""

    def reference(self: Any, run_id: str, *, prefix: str = "") -> None: ...
    def renamed(self: Any, run: str, *, prefix: str = "") -> None: ...
    def positional(self: Any, run_id: str, prefix: str = "") -> None: ...
    def other_default(self: Any, run_id: str, *, prefix: str = "/") -> None: ...

    for drifted in (renamed, positional, other_default):
        assert shape(drifted) != shape(reference)
    assert shape(reference) == [("run_id", "POSITIONAL_OR_KEYWORD", inspect.Parameter.empty),
                                ("prefix", "KEYWORD_ONLY", "")]  # fmt: skip
