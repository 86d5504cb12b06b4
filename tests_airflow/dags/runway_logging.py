"""A task that logs metrics with runway.log() and no init()."""

from airflow.sdk import dag, task

import runway


@dag(schedule=None, params={"lr": 0.01})
def runway_logging():
    @task
    def train(**context):
        lr = context["params"]["lr"]
        for step in range(3):
            runway.log({"loss": 1.0 / (step + 1), "lr": lr}, step=step)

    train()


the_dag = runway_logging()
