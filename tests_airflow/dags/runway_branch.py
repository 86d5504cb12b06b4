"""A branch that skips one path, and a task that skips itself."""

from airflow.sdk import dag, task
from airflow.sdk.exceptions import AirflowSkipException


@dag(schedule=None)
def runway_branch():
    @task.branch
    def choose():
        return "left"

    @task
    def left():
        return 1

    @task
    def right():
        return 2

    @task
    def optional():
        raise AirflowSkipException("nothing to do today")

    choose() >> [left(), right()]
    optional()


the_dag = runway_branch()
