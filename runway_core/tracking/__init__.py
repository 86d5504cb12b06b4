"""The run lifecycle every adapter shares: the SDK, ``runway run``, orchestrator hooks, sweep
agents. Start or attach to a run, log into it, finish it; the writes go through one background
sender per store, in order, and wait in the local spool when the store is unreachable.

    from runway_core import tracking
    run = tracking.start_run("digits", "svm", params={"C": 1.0})
    run.log({"loss": 0.3}); run.finish()
    run = tracking.attach_run("prefect:flow-run:<id>", "digits", "svm")   # get-or-create
    tracking.current_run(); with tracking.using(run): ...
    tracking.flush()   # barrier: everything queued so far was sent or spooled
    tracking.interrupted()   # Ctrl-C or SIGTERM reached this process: its runs end killed
"""

from runway_core.tracking.exit import interrupted
from runway_core.tracking.lifecycle import (
    announce,
    attach_run,
    current_run,
    external_run_id,
    register_run_resolver,
    start_run,
    unregister_run_resolver,
    using,
)
from runway_core.tracking.repro import Capture
from runway_core.tracking.session import RunSession
from runway_core.tracking.stores import flush, open_store

__all__ = [
    "Capture",
    "RunSession",
    "announce",
    "attach_run",
    "current_run",
    "external_run_id",
    "flush",
    "interrupted",
    "open_store",
    "register_run_resolver",
    "start_run",
    "unregister_run_resolver",
    "using",
]
