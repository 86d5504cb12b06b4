"""Flows for the subprocess tests: a tracked flow served as a deployment by a ``Runner``, and a
flow with no Runway code for the watcher. Run as a script: ``serve`` or ``plain``."""

from __future__ import annotations

import asyncio
import sys

from prefect import flow, task

import runway
import runway.prefect


@task
def square(x: float) -> float:
    return x * x


@runway.prefect.track(project="prefect-deploy")
@flow(name="trial")
def trial(lr: float, layers: int = 1) -> float:
    loss = square(lr) + layers
    runway.log({"loss": loss})
    return loss


@flow(name="plain")
def plain(n: int = 2) -> int:
    return int(square(n)) + int(square.submit(n + 1).result())


def serve(deployment_runs: int) -> None:
    """Register the deployment, say so, then execute the runs scheduled for it and exit."""
    from prefect.runner import Runner

    runner = Runner(limit=None, query_seconds=1)
    runner.add_flow(trial, name="sweep")
    print("ready", flush=True)
    sys.stdin.readline()  # the test schedules its flow runs, then tells us to go on
    asyncio.run(runner.start(run_once=True))


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    elif sys.argv[1] == "plain":
        print(plain(int(sys.argv[2])))
