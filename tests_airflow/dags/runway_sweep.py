"""A sweep trial as a DAG run: the trial's params arrive as the DAG's params, and the task reports
the sweep's metric with runway.log() (no init(): the plugin made the trial's run current)."""

from airflow.sdk import Param, dag, task

import runway


@dag(schedule=None, params={"x": Param(0.0, type="number")})
def runway_sweep():
    @task
    def evaluate(**context):
        x = context["params"]["x"]
        runway.log({"loss": 1.0}, step=0)
        runway.log({"loss": (x - 0.3) ** 2}, step=1)  # the last value is the trial's

    evaluate()


the_dag = runway_sweep()
