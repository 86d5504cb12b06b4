"""Finish open runs when the interpreter exits — normally, by an uncaught exception, by Ctrl-C or
by SIGTERM — then let every sender deliver or spool what it holds.

Handlers are installed once, on first use, and chain to whatever was installed before them (a
previous excepthook, a previous SIGTERM handler, or the default action of the signal). While the
last writes go out, a second Ctrl-C or SIGTERM (the terminal and a wrapper both signalling, or an
impatient user) is ignored: it would otherwise land inside the upload and lose what it was
sending; the upload itself waits at most one request timeout for a server that does not answer.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType, TracebackType
from typing import Any

log = logging.getLogger("runway")

# Called with "finished" at a normal exit, "failed" after an uncaught exception,
# "killed" on SIGTERM or Ctrl-C.
ExitCallback = Callable[[str], None]

_callbacks: dict[int, ExitCallback] = {}
_drains: list[Callable[[], None]] = []
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
    with _lock:
        _callbacks[key] = callback
        _install()


def forget(key: int) -> None:
    with _lock:
        _callbacks.pop(key, None)


def on_drain(drain: Callable[[], None]) -> None:
    """Run ``drain`` at exit after the runs' callbacks (once, however often registered)."""
    with _lock:
        if drain not in _drains:
            _drains.append(drain)
        _install()


def finish_all(status: str) -> None:
    """Finish every open run with ``status`` and drain the senders; also used by a forked
    child that ends without ``atexit`` (multiprocessing)."""
    with _ignoring_interrupts():
        with _lock:
            callbacks = list(_callbacks.values())
            _callbacks.clear()
            drains = list(_drains)
        for callback in callbacks:
            try:
                callback(status)
            except Exception:  # one run's failure must not stop the others from closing
                log.exception("runway: closing a run at exit failed")
        for drain in drains:
            try:
                drain()
            except Exception:
                log.exception("runway: sending the last writes at exit failed")


@contextlib.contextmanager
def _ignoring_interrupts() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError, OSError):  # not allowed (embedded interpreter)
            saved[signum] = signal.signal(signum, signal.SIG_IGN)
    try:
        yield
    finally:
        for signum, handler in saved.items():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(signum, handler)


def _install() -> None:
    """Called with the lock held."""
    global _installed, _previous_excepthook, _previous_sigterm
    if _installed:
        return
    _installed = True
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
    finish_all("failed" if _failed else "finished")


def _excepthook(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    global _failed
    # Ctrl-C is the user stopping the run, not the code failing.
    interrupted = issubclass(exc_type, KeyboardInterrupt)
    _failed = not interrupted
    with _ignoring_interrupts():
        hook = _previous_excepthook or sys.__excepthook__
        hook(exc_type, exc, tb)
        finish_all("killed" if interrupted else "failed")


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    finish_all("killed")
    previous = _previous_sigterm
    if callable(previous):
        previous(signum, frame)
    elif previous == signal.SIG_IGN:
        return
    else:  # default action: die by the signal, as the caller expects
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
