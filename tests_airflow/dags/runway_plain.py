"""A DAG with no Runway code at all: the plugin records it."""

from airflow.sdk import Param, dag, task


@dag(
    schedule=None,
    params={"lr": Param(0.1, type="number"), "epochs": Param(2, type="integer")},
    tags=["runway_project:airflow-plain", "team-a"],
)
def runway_plain():
    @task
    def prepare(**context):
        return {"rows": 10}

    @task
    def train(data, **context):
        return {"loss": 0.5 * context["params"]["lr"], "rows": data["rows"]}

    train(prepare())


the_dag = runway_plain()
