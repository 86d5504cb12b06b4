"""How every hook and callback runs: never raising into Airflow, and timed (what recording
costs a task instance, per process)."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from runway.airflow.settings import airflow_settings
from runway_core.errors import RunwayError

log = logging.getLogger("runway.airflow")
F = TypeVar("F", bound=Callable[..., None])


class HookCost:
    """Seconds spent in the task-instance hooks of this process, and how many tries ended."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seconds = 0.0
        self.calls = 0
        self.task_instances = 0
        self.at_end = 0.0  # of ``seconds``: in the hooks that end a try

    def add(self, seconds: float, *, ended: bool) -> None:
        with self._lock:
            self.seconds += seconds
            self.calls += 1
            self.task_instances += int(ended)
            self.at_end += seconds if ended else 0.0

    def per_task_instance(self) -> float:
        with self._lock:
            return self.seconds / self.task_instances if self.task_instances else 0.0

    def reset(self) -> None:
        with self._lock:
            self.seconds, self.calls, self.task_instances, self.at_end = 0.0, 0, 0, 0.0

    def summary(self) -> str:
        with self._lock:
            n = max(self.task_instances, 1)
            start, end = (self.seconds - self.at_end) / n, self.at_end / n
        total = (start + end) * 1000
        return f"{total:.0f} ms ({start * 1000:.0f} at start, {end * 1000:.0f} at end)"


cost = HookCost()


def guarded(*, task_end: bool | None = None, plugin: bool = True) -> Callable[[F], F]:
    """Run the hook with ``budget=RUNWAY_AIRFLOW_TIMEOUT``; log instead of raising; count the
    time of task hooks (``task_end``: the hook ends a try). ``plugin``: the listener's hooks,
    which ``RUNWAY_AIRFLOW_ENABLED=false`` turns off (callbacks wired by hand stay on)."""

    def wrap(hook: F) -> F:
        @functools.wraps(hook)
        def run(*args: Any, **kwargs: Any) -> None:
            started = time.perf_counter()
            try:
                cfg = airflow_settings()
                if cfg.enabled or not plugin:
                    hook(*args, budget=cfg.timeout, **kwargs)
            except RunwayError as exc:  # a setting or an input to fix: its message says which
                log.warning("runway: %s recorded nothing: %s", hook.__name__, exc.message)
            except Exception as exc:
                log.warning("runway: %s failed: %s", hook.__name__, exc, exc_info=True)
            finally:
                if task_end is not None:
                    cost.add(time.perf_counter() - started, ended=task_end)

        return run  # type: ignore[return-value]

    return wrap
