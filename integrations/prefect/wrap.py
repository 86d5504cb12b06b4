"""``track``: attach Runway's hooks to a Prefect flow (and the tasks and subflows it calls) or to
one task, keeping the hooks the user already has."""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, overload

from runway.prefect.hooks import TASK_HOOKS, Tracker

T = TypeVar("T")


@overload
def track(obj: T, /) -> T: ...
@overload
def track(
    obj: None = None,
    /,
    *,
    project: str | None = ...,
    experiment: str | None = ...,
    log_params: bool = ...,
    tasks: bool = ...,
    result_metrics: bool = ...,
    link_artifact: bool = ...,
    tracking_uri: str | None = ...,
    capture: Any = ...,
) -> Callable[[T], T]: ...
def track(
    obj: Any = None,
    /,
    *,
    project: str | None = None,
    experiment: str | None = None,
    log_params: bool = True,
    tasks: bool = True,
    result_metrics: bool = False,
    link_artifact: bool = True,
    tracking_uri: str | None = None,
    capture: Any = True,
) -> Any:
    """Record every run of a Prefect flow as a Runway run::

        @runway.prefect.track(project="digits")
        @flow
        def train(lr: float = 0.1): ...

    ``tasks=True`` also records the runs of the tasks (and subflows) the flow's code calls by
    name as child runs; wrap a task defined elsewhere with ``track(task)``. Returns a copy of
    the flow (``with_options``) whose hook lists are the user's plus Runway's.
    """
    tracker = Tracker(
        project,
        experiment,
        log_params=log_params,
        result_metrics=result_metrics,
        link_artifact=link_artifact,
        tracking_uri=tracking_uri,
        capture=capture,
    )

    def apply(target: Any) -> Any:
        from prefect.flows import Flow
        from prefect.tasks import Task

        if isinstance(target, Flow):
            if tasks:
                for called in _called_by(target.fn):
                    _add_in_place(called, tracker)
            return target.with_options(**_merged(target, tracker.flow_hooks()))
        if isinstance(target, Task):
            return target.with_options(**_merged(target, TASK_HOOKS))
        raise TypeError(
            f"runway.prefect.track wraps a Prefect flow or task, not {type(target).__name__}; "
            "put @runway.prefect.track(...) above @flow"
        )

    return apply(obj) if obj is not None else apply


def _merged(target: Any, ours: dict[str, Callable[..., None]]) -> dict[str, Any]:
    """Each hook list of ``target`` with Runway's hook added once (``with_options`` replaces a
    list it is given, so the user's hooks are carried over here)."""
    merged: dict[str, Any] = {}
    for option, hook in ours.items():
        existing = list(getattr(target, f"{option}_hooks"))
        kept = [h for h in existing if not _is_runway(h)]
        merged[option] = [*kept, hook]
    return merged


def _add_in_place(target: Any, tracker: Tracker) -> None:
    """Append Runway's hooks to a task or subflow object the flow calls (once)."""
    from prefect.flows import Flow

    ours = tracker.flow_hooks() if isinstance(target, Flow) else TASK_HOOKS
    for option, hook in ours.items():
        hooks = getattr(target, f"{option}_hooks")
        if not any(_is_runway(h) for h in hooks):
            hooks.append(hook)


def _is_runway(hook: Any) -> bool:
    return getattr(hook, "__name__", "").startswith("runway_") and (
        hook in TASK_HOOKS.values() or hasattr(hook, "runway_tracker")
    )


def _called_by(fn: Callable[..., Any], _seen: set[int] | None = None) -> Iterator[Any]:
    """The tasks and flows a function refers to by a global or closure name, and recursively
    those that the subflows among them call."""
    from prefect.flows import Flow
    from prefect.tasks import Task

    seen = _seen if _seen is not None else set()
    fn = getattr(fn, "__wrapped__", fn)
    code = getattr(fn, "__code__", None)
    if code is None:
        return
    candidates: list[Any] = []
    scope = getattr(fn, "__globals__", {})
    for name in _names(code):
        if name in scope:
            candidates.append(scope[name])
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            candidates.append(cell.cell_contents)
        except ValueError:  # an empty cell
            continue
    for obj in candidates:
        if not isinstance(obj, (Task, Flow)) or id(obj) in seen:
            continue
        seen.add(id(obj))
        yield obj
        if isinstance(obj, Flow):
            yield from _called_by(obj.fn, seen)


def _names(code: types.CodeType) -> Iterator[str]:
    yield from code.co_names
    yield from code.co_freevars
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _names(const)
