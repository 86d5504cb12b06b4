"""Table selections are by id: a ticked run stays the one ticked through paging, sorting and
filtering, and "Open run", "Compare selected" and row links act on what was ticked."""

from __future__ import annotations

from typing import Any

from runway_core.schemas import ExperimentCreate, ProjectCreate
from runway_core.store.sql import SqlStore
from tests.ui.conftest import seed_runs
from tests.ui.helpers import button, captions, no_exception, select, table, table_key


def _ticked(at: Any, index: int = 0) -> list[str]:
    """The names of the rows the table shows as ticked."""
    state = at.session_state[table_key(at, index)]
    names = table(at, index)["name"].tolist()
    return sorted(names[i] for i in state["selection"]["rows"])


def _order(at: Any) -> Any:
    (box,) = [s for s in at.selectbox if s.label == "Order by"]
    return box


def test_selection_follows_the_run_when_the_order_changes(seeded, open_page) -> None:
    at = open_page("experiment", project="digits", experiment="svm")
    assert table(at)["name"].tolist() == ["svm-b", "svm-c", "svm-a"]
    select(at, ["svm-b"])
    _order(at).set_value("attributes.start_time asc").run()
    no_exception(at)
    assert table(at)["name"].tolist() == ["svm-a", "svm-b", "svm-c"]
    assert _ticked(at) == ["svm-b"]
    button(at, "Open run").click().run()
    no_exception(at)
    assert at.query_params["run"] == seeded.runs["svm-b"]
    assert [t.value for t in at.title] == ["svm-b"]


def test_selection_survives_paging_and_compares_runs_of_both_pages(seeded, open_page) -> None:
    ids = seed_runs(seeded.uri, "digits", "big", 130)
    at = open_page("experiment", project="digits", experiment="big")
    assert table(at)["name"].iloc[0] == "big-0129"  # newest first, 100 a page
    select(at, ["big-0127"])
    button(at, "Next").click().run()
    no_exception(at)
    assert table(at)["name"].iloc[0] == "big-0029"
    assert _ticked(at) == []  # no run of page 2 was ticked
    assert any("big-0127" in c and "not on this page" in c for c in captions(at))
    select(at, ["big-0005"])
    assert _ticked(at) == ["big-0005"]
    button(at, "← Previous").click().run()
    assert _ticked(at) == ["big-0127"]  # page 1 shows its own tick again
    compare = button(at, "Compare selected")
    assert compare.label == "Compare selected (2)"
    compare.click().run()
    no_exception(at)
    assert sorted(at.query_params["runs"].split(",")) == sorted([ids["big-0127"], ids["big-0005"]])


def test_selection_survives_a_filter_and_compares_what_was_ticked(seeded, open_page) -> None:
    at = open_page("experiment", project="digits", experiment="svm")
    select(at, ["svm-a", "svm-b"])
    at.text_input[0].set_value("params.C >= 1").run()
    no_exception(at)
    assert table(at)["name"].tolist() == ["svm-b", "svm-c"]
    assert _ticked(at) == ["svm-b"]
    assert any("svm-a" in c and "not on this page" in c for c in captions(at))
    button(at, "Compare selected (2)").click().run()
    no_exception(at)
    assert sorted(at.query_params["runs"].split(",")) == sorted(
        [seeded.runs["svm-a"], seeded.runs["svm-b"]]
    )


def test_clear_selection_unticks_every_run(seeded, open_page) -> None:
    at = open_page("experiment", project="digits", experiment="svm")
    select(at, ["svm-a", "svm-c"])
    button(at, "Clear selection").click().run()
    no_exception(at)
    assert _ticked(at) == []
    assert button(at, "Compare selected").label == "Compare selected (0)"
    assert button(at, "Open run").disabled


def test_projects_row_opens_the_project_ticked_although_the_list_changed(seeded, open_page) -> None:
    store = SqlStore(seeded.uri)
    ids = {n: store.create_project(ProjectCreate(name=n)).id for n in ("alpha", "beta", "gamma")}
    at = open_page("projects")
    assert table(at)["project"].tolist() == ["digits", "alpha", "beta", "gamma"]
    store.delete_project(ids["alpha"])  # someone else deletes a project meanwhile
    store.close()
    select(at, ["beta"], column="project")  # ticked on the list as it was drawn
    no_exception(at)
    assert [t.value for t in at.title] == ["beta"]


def test_project_experiment_row_opens_the_experiment_ticked(seeded, open_page) -> None:
    store = SqlStore(seeded.uri)
    project = store.get_project_by_name("digits")
    store.create_experiment(project.id, ExperimentCreate(name="rf"))
    at = open_page("project", project="digits")
    assert table(at)["experiment"].tolist() == ["svm", "mlp", "rf"]
    store.delete_experiment(seeded.experiments["svm"])
    store.close()
    select(at, ["mlp"], column="experiment")
    no_exception(at)
    assert [t.value for t in at.title] == ["mlp"]


def test_a_chosen_order_stays_while_the_user_works_on_the_page(seeded, open_page) -> None:
    at = open_page("experiment", project="digits", experiment="svm")
    _order(at).set_value("attributes.start_time asc").run()
    for names in (["svm-a"], ["svm-a", "svm-c"], ["svm-c"]):  # three more reruns
        select(at, names)
        no_exception(at)
        assert table(at)["name"].tolist() == ["svm-a", "svm-b", "svm-c"]
        assert _order(at).value == "attributes.start_time asc"
    assert at.query_params["order"] == "attributes.start_time asc"  # the link keeps it
