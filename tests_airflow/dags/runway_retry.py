"""A task that fails on each of its two tries."""

from datetime import timedelta

from airflow.sdk import dag, task


@dag(schedule=None, params={"runway_experiment": "flaky"})
def runway_retry():
    @task(retries=1, retry_delay=timedelta(seconds=0))
    def flaky():
        raise RuntimeError("the data source is down")

    flaky()


the_dag = runway_retry()
