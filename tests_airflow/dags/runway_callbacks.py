"""Wired by hand: the callbacks record what the plugin would."""

from airflow.sdk import dag, task

from runway.airflow import callbacks, dag_callbacks


@dag(
    schedule=None,
    default_args=callbacks(),
    tags=["runway_project=airflow-callbacks"],
    **dag_callbacks(),
)
def runway_callbacks():
    @task
    def work():
        return 3

    work()


the_dag = runway_callbacks()
