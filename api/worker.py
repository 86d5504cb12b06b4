"""The app factory ``runway server`` gives Uvicorn: the REST app, and in a worker process a
watch that ends the worker when the supervising process dies, however it dies.

Uvicorn's ``--workers N`` supervisor starts each worker with multiprocessing's ``spawn``. When the
supervisor is killed (SIGKILL, OOM killer) nobody stops the workers: they keep serving the port
with nobody to restart or stop them, and the next ``runway server`` finds the address in use.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.process import BaseProcess

from fastapi import FastAPI

from runway.api.app import create_app_from_env

logger = logging.getLogger("uvicorn.error")

GRACE_SECONDS = 5.0  # for requests in flight to finish before the worker is ended outright


def create_app() -> FastAPI:
    """Factory for ``uvicorn --factory`` (each worker calls it once at start)."""
    exit_with_supervisor()
    return create_app_from_env()


def exit_with_supervisor(grace: float = GRACE_SECONDS) -> None:
    """In a multiprocessing child, stop this process when its parent is gone.

    A single-process server (``--workers 1``) is the process its user started and has no
    supervisor: nothing to watch. The watch waits on multiprocessing's parent sentinel, a pipe
    whose other end only the parent holds: the kernel closes it when the parent dies, whatever
    killed it, so the worker learns at once, without polling and on every platform.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    watch = threading.Thread(
        target=_stop_when_gone, args=(parent, grace), name="runway-supervisor-watch", daemon=True
    )
    watch.start()


def _stop_when_gone(parent: BaseProcess, grace: float) -> None:
    parent.join()  # returns when the parent's end of the pipe closes
    logger.warning("supervisor [%s] is gone; worker [%s] is stopping", parent.pid, os.getpid())
    os.kill(os.getpid(), signal.SIGTERM)  # Uvicorn's own graceful shutdown
    time.sleep(grace)
    os._exit(1)  # still here: a request or a shutdown hook hangs
