"""Finish open runs when the interpreter exits — normally, by an uncaught exception, by Ctrl-C or
by SIGTERM — then let every sender deliver or spool what it holds.

Handlers are installed once, on first use, and chain to whatever was installed before them (a
previous excepthook, SIGINT or SIGTERM handler, or the default action of the signal). The SIGINT
and SIGTERM handlers record that the process was interrupted *before* anything else happens, so
the runs end ``killed`` however many signals arrive and wherever they land.

After an interruption the final upload is bounded by ``RUNWAY_EXIT_TIMEOUT`` seconds: what is not
delivered by then goes to the spool (for ``runway sync``), with one line saying so. A second
Ctrl-C (or SIGTERM) during that upload does not raise inside it: it switches it to "spool now".
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import sys
import threading
import time
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
_previous: dict[int, Any] = {}  # signal → the handler installed before ours

# A SIGINT or SIGTERM reached this process: its runs end ``killed`` whatever happens next.
_interrupted = False
# The final drain is running: a signal now means "stop uploading, spool what is left".
_draining = False
_abandon = threading.Event()
_deadline: float | None = None  # monotonic time the final drain gives up at (interrupted)
# Inside ``deferring_interrupts``: a SIGINT is recorded, and raised when the block ends.
_critical = 0
_pending: int | None = None


def _after_fork_in_child() -> None:
    global _lock
    _lock = threading.Lock()  # another thread may have held it at the fork


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def interrupted() -> bool:
    """Whether this process got a Ctrl-C (SIGINT) or a SIGTERM since its first run started."""
    return _interrupted


def note_interrupted(*, again: bool = False) -> None:
    """Record an interruption seen some other way (a wrapper whose child got the Ctrl-C);
    ``again``: a second one, so the final upload spools at once."""
    global _interrupted
    _interrupted = True
    if again:
        _abandon.set()


def giving_up() -> bool:
    """True once the final drain should stop waiting for the store and spool what is left:
    a second signal arrived, or ``RUNWAY_EXIT_TIMEOUT`` passed since an interrupted exit began."""
    if _abandon.is_set():
        return True
    return _deadline is not None and time.monotonic() >= _deadline


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
    """Finish every open run with ``status`` (``killed`` whenever the process was interrupted)
    and drain the senders; also used by a forked child that ends without ``atexit``."""
    global _draining, _deadline
    if _interrupted:
        status = "killed"
        if _deadline is None:
            _deadline = time.monotonic() + _exit_timeout()
    _draining = True
    with _signals_abandon():
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


def _exit_timeout() -> float:
    try:
        from runway_core.config import settings

        return settings().exit_timeout
    except Exception:  # an invalid variable must not stop the runs from closing
        return 5.0


@contextlib.contextmanager
def deferring_interrupts() -> Iterator[None]:
    """A Ctrl-C inside the block is recorded at once but raised only when the block ends, so
    that a run's closing writes are queued whole (main thread, with our handler installed)."""
    global _critical, _pending
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers run in the main thread only
        return
    _critical += 1
    try:
        yield
    finally:
        _critical -= 1
        pending, _pending = _pending, None
        if pending is not None and _critical == 0:
            _chain(pending, None)


@contextlib.contextmanager
def _signals_abandon() -> Iterator[None]:
    """During the final drain, SIGINT and SIGTERM make it spool at once instead of raising
    inside the upload (whatever handler the program installed since)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError, OSError):  # not allowed (embedded interpreter)
            saved[signum] = signal.signal(signum, _abandon_drain)
    try:
        yield
    finally:
        for signum, handler in saved.items():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(signum, handler)


def _abandon_drain(signum: int, frame: FrameType | None) -> None:
    global _interrupted
    _interrupted = True
    if not _abandon.is_set():
        _abandon.set()
        with contextlib.suppress(Exception):
            sys.stderr.write("runway: interrupted again; spooling what is left\n")


def _install() -> None:
    """Called with the lock held."""
    global _installed, _previous_excepthook
    if _installed:
        return
    _installed = True
    atexit.register(_at_exit)
    _previous_excepthook = sys.excepthook
    sys.excepthook = _excepthook
    if threading.current_thread() is threading.main_thread():
        for signum, handler in ((signal.SIGINT, _on_sigint), (signal.SIGTERM, _on_sigterm)):
            try:
                _previous[signum] = signal.getsignal(signum)
                signal.signal(signum, handler)
            except (ValueError, OSError):  # not allowed here (embedded interpreter)
                _previous.pop(signum, None)


def _at_exit() -> None:
    finish_all("failed" if _failed else "finished")


def _excepthook(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    global _failed, _interrupted, _draining
    # Ctrl-C is the user stopping the run, not the code failing.
    if issubclass(exc_type, KeyboardInterrupt):
        _interrupted = True
    _failed = not _interrupted
    _draining = True
    with _signals_abandon():
        hook = _previous_excepthook or sys.__excepthook__
        if _interrupted and exc is not None:
            with contextlib.suppress(Exception):
                _strip_interrupts(exc)
                tb = exc.__traceback__
        hook(exc_type, exc, tb)
        finish_all("killed" if _interrupted else "failed")


def _our_code(filename: str) -> bool:
    """A frame of Runway's own code (the kernel, or the ``runway`` SDK package)."""
    roots = [_KERNEL]
    sdk = getattr(sys.modules.get("runway"), "__file__", None)
    if sdk:
        roots.append(os.path.dirname(sdk) + os.sep)
    return filename.startswith(tuple(roots))


_KERNEL = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _without_our_frames(tb: TracebackType | None) -> TracebackType | None:
    """A Ctrl-C has no cause in Runway's code: cut the frames of ours a ``KeyboardInterrupt``
    was raised in (our SIGINT handler, or ``run.log`` it landed in), so the traceback ends
    where the user's code was interrupted."""
    frames = []
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    keep = len(frames)
    while keep > 0 and _our_code(frames[keep - 1].tb_frame.f_code.co_filename):
        keep -= 1
    if keep == 0:
        return frames[0] if frames else None  # all ours: keep it as it is
    frames[keep - 1].tb_next = None
    return frames[0]


def _strip_interrupts(exc: BaseException) -> None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, KeyboardInterrupt):
            current.__traceback__ = _without_our_frames(current.__traceback__)
        current = current.__cause__ or current.__context__


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    global _interrupted, _pending
    _interrupted = True  # first, before anything can raise
    if _draining or (frame is not None and frame.f_code in _EXIT_CODE):
        # The final drain, or its first steps (the excepthook being entered): spool now.
        _abandon_drain(signum, frame)
        return
    if _critical:
        _pending = signum
        return
    _chain(signum, frame)


_EXIT_CODE = (_excepthook.__code__, _at_exit.__code__, finish_all.__code__)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    global _interrupted
    _interrupted = True
    if _draining:
        _abandon_drain(signum, frame)
        return
    _chain(signum, frame)


def _chain(signum: int, frame: FrameType | None) -> None:
    """What the signal would have done without us: the previous handler, or its default."""
    previous = _previous.get(signum, signal.SIG_DFL)
    if callable(previous):
        previous(signum, frame)  # Python's own SIGINT handler raises KeyboardInterrupt
    elif previous == signal.SIG_IGN:
        return
    else:  # default action: die by the signal, as the caller expects
        finish_all("killed")
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
