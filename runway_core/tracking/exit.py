"""Finish open runs when the interpreter exits: normally, by an uncaught exception, or by SIGTERM.

Handlers are installed once, on first use, and chain to whatever was installed before them
(a previous excepthook, a previous SIGTERM handler, or the default action of the signal).
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

log = logging.getLogger("runway")

# Called with "finished" at a normal exit, "failed" after an uncaught exception,
# "killed" on SIGTERM or Ctrl-C.
ExitCallback = Callable[[str], None]

_callbacks: dict[int, ExitCallback] = {}
_lock = threading.Lock()
_installed = False
_failed = False
_previous_excepthook: Callable[..., Any] | None = None
_previous_sigterm: Any = None


def _after_fork_in_child() -> None:
    global _lock
    _lock = threading.Lock()  # another thread may have held it at the fork


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def on_exit(key: int, callback: ExitCallback) -> None:
    """Register ``callback`` under ``key`` (e.g. ``id(run)``); ``forget(key)`` removes it."""
    global _installed
    with _lock:
        _callbacks[key] = callback
        if not _installed:
            _install()
            _installed = True


def forget(key: int) -> None:
    with _lock:
        _callbacks.pop(key, None)


def _run_callbacks(status: str) -> None:
    with _lock:
        callbacks = list(_callbacks.values())
        _callbacks.clear()
    for callback in callbacks:
        try:
            callback(status)
        except Exception:  # one run's failure must not stop the others from closing
            log.exception("runway: closing a run at exit failed")


def _install() -> None:
    global _previous_excepthook, _previous_sigterm
    atexit.register(_at_exit)
    _previous_excepthook = sys.excepthook
    sys.excepthook = _excepthook
    if threading.current_thread() is threading.main_thread():
        try:
            _previous_sigterm = signal.getsignal(signal.SIGTERM)
            signal.signal(signal.SIGTERM, _on_sigterm)
        except (ValueError, OSError):  # not allowed here (embedded interpreter): atexit only
            _previous_sigterm = None


def _at_exit() -> None:
    _run_callbacks("failed" if _failed else "finished")


def _excepthook(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    global _failed
    # Ctrl-C is the user stopping the run, not the code failing.
    _failed = not issubclass(exc_type, KeyboardInterrupt)
    if issubclass(exc_type, KeyboardInterrupt):
        _run_callbacks("killed")
    hook = _previous_excepthook or sys.__excepthook__
    hook(exc_type, exc, tb)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    _run_callbacks("killed")
    previous = _previous_sigterm
    if callable(previous):
        previous(signum, frame)
    elif previous == signal.SIG_IGN:
        return
    else:  # default action: die by the signal, as the caller expects
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
