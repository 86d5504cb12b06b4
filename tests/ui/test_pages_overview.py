"""Projects, Project and Experiment pages through AppTest on a seeded database."""

from __future__ import annotations

import pytest

from tests.ui.helpers import codes, errors, figures, no_exception, select, table, traces


def test_projects_lists_counts_and_best(seeded, open_page) -> None:
    at = open_page("projects")
    no_exception(at)
    frame = table(at)
    row = frame.set_index("project").loc["digits"]
    assert (row["experiments"], row["runs"]) == (2, 5)
    assert row["best"] == 0.95
    assert row["primary metric"] == "val_acc ↑"  # best is the highest


def test_projects_search_box_filters(seeded, open_page) -> None:
    at = open_page("projects")
    at.text_input[0].set_value("nothing-like-this").run()
    no_exception(at)
    assert not at.dataframe
    assert any("No project name matches" in i.value for i in at.info)
    assert at.query_params["search"] == "nothing-like-this"  # the URL keeps the search


def test_projects_row_selection_opens_the_project(seeded, open_page) -> None:
    at = select(open_page("projects"), ["digits"], column="project")
    no_exception(at)
    assert [t.value for t in at.title] == ["digits"]
    assert at.query_params["project"] == "digits"


def test_empty_database_shows_the_sdk_snippet(empty_db, open_page) -> None:
    for page in ("projects", "compare"):
        at = open_page(page)
        no_exception(at)
    at = open_page("projects")
    assert any("runway.init(" in c for c in codes(at))
    assert any("No projects yet" in i.value for i in at.info)


def test_project_page_draws_figure_2(seeded, open_page) -> None:
    at = open_page("project", project="digits")
    no_exception(at)
    (fig,) = figures(at)
    by_name = traces(fig)
    bars, line = by_name["runs"], by_name["best val_acc"]
    assert bars["type"] == "bar" and bars["yaxis"] == "y2"
    assert bars["x"] == ["svm", "mlp"] and bars["y"] == [3, 2]  # creation order
    assert line["y"] == [0.9, 0.95]
    experiments = table(at)
    assert experiments["experiment"].tolist() == ["svm", "mlp"]
    assert experiments["runs"].tolist() == [3, 2]


def test_project_page_mean_aggregate_and_metric_choice(seeded, open_page) -> None:
    at = open_page("project", project="digits")
    at.radio[0].set_value("mean").run()
    line = traces(figures(at)[0])["mean val_acc"]
    assert abs(line["y"][0] - (0.7 + 0.9 + 0.85) / 3) < 1e-9
    at.selectbox[0].set_value("loss").run()
    no_exception(at)
    assert "mean loss" in traces(figures(at)[0])
    assert at.query_params["metric"] == "loss"


def test_unknown_project_is_a_clear_message(seeded, open_page) -> None:
    at = open_page("project", project="no-such-project")
    no_exception(at)
    assert errors(at) and "no-such-project" in errors(at)[0]


def test_experiment_page_table_scatter_and_parallel(seeded, open_page) -> None:
    at = open_page("experiment", project="digits", experiment="svm")
    no_exception(at)
    runs = table(at)
    # Sorted by the project's primary metric, best first.
    assert runs["name"].tolist() == ["svm-b", "svm-c", "svm-a"]
    assert {"params.C", "params.kernel", "metrics.val_acc"} <= set(runs.columns)
    scatter, parallel = figures(at)
    points = sorted((x, y) for t in scatter["data"] for x, y in zip(t["x"], t["y"], strict=True))
    assert points == [(0.1, 0.7), (1.0, 0.9), (10.0, 0.85)]
    assert scatter["layout"]["xaxis"]["title"]["text"] == "params.C"
    assert scatter["layout"]["xaxis"]["type"] == "log"  # C in {0.1, 1, 10} spans two decades
    assert parallel["data"][0]["type"] == "parcoords"
    dims = {d["label"]: d for d in parallel["data"][0]["dimensions"]}
    assert list(dims)[-1] == "metrics.val_acc" and "params.kernel" in dims
    assert dims["params.C"]["ticktext"] == ["0.1", "1", "10"]
    assert sorted(dims["params.C"]["values"]) == pytest.approx([-1.0, 0.0, 1.0])


def test_experiment_filter_uses_the_search_language(seeded, open_page) -> None:
    at = open_page("experiment", project="digits", experiment="svm")
    at.text_input[0].set_value("params.kernel = 'rbf' and metrics.val_acc > 0.8").run()
    no_exception(at)
    assert table(at)["name"].tolist() == ["svm-b"]
    assert at.query_params["filter"].startswith("params.kernel")


def test_experiment_bad_filter_is_explained_and_every_run_still_shown(seeded, open_page) -> None:
    at = open_page("experiment", project="digits", experiment="svm", filter="metrics.val_acc >> 1")
    no_exception(at)
    assert len(errors(at)) == 1 and errors(at)[0].startswith("Invalid filter (at column ")
    # Right under the filter box, with the note, and the box keeps the text to fix.
    box = at.text_input[0]
    assert box.value == "metrics.val_acc >> 1"
    below = _next_element(at, box)
    error, note = (e.value for e in below.children.values())
    assert error == errors(at)[0] and "filter was not applied" in note
    assert sorted(table(at)["name"]) == ["svm-a", "svm-b", "svm-c"]  # unfiltered
    scatter, parallel = figures(at)
    assert sum(len(t["x"]) for t in scatter["data"]) == 3
    assert len(parallel["data"][0]["dimensions"][0]["values"]) == 3

    at.text_input[0].set_value("metrics.val_acc > 0.8").run()  # fixed: the note goes away
    no_exception(at)
    assert not errors(at) and table(at)["name"].tolist() == ["svm-b", "svm-c"]


def test_experiment_filter_on_a_missing_key_says_so_and_names_the_nearest(
    seeded, open_page
) -> None:
    at = open_page("experiment", project="digits", experiment="svm", filter="metrics.val_ac > 0.5")
    no_exception(at)
    assert not errors(at) and table(at).empty
    [hint] = [w.value for w in at.warning]
    assert "metrics.val_ac" in hint and "metrics.val_acc" in hint
    # Right under the filter box, where the mistake is.
    assert _next_element(at, at.text_input[0]).children[0].value == hint


def _next_element(at, element):  # type: ignore[no-untyped-def]
    """The element right after ``element`` in the page's main block."""
    siblings = list(at.main.children.values())
    while element not in siblings:  # descend into the block holding it
        siblings = [c for s in siblings for c in getattr(s, "children", {}).values()]
    return siblings[siblings.index(element) + 1]


def test_experiment_selection_overlays_curves_and_links_to_compare(seeded, open_page) -> None:
    at = open_page("experiment", project="digits", experiment="svm")
    select(at, ["svm-b", "svm-a"])
    no_exception(at)
    curves = figures(at)[-1]
    assert sorted(t["name"] for t in curves["data"]) == ["svm-a", "svm-b"]
    compare = next(b for b in at.button if b.label.startswith("Compare selected"))
    assert compare.label == "Compare selected (2)" and not compare.disabled
    compare.click().run()
    no_exception(at)
    assert [t.value for t in at.title] == ["Compare runs"]
    assert sorted(at.query_params["runs"].split(",")) == sorted(
        [seeded.runs["svm-a"], seeded.runs["svm-b"]]
    )


def test_selected_running_run_curve_grows_on_the_experiment_page(seeded, open_page) -> None:
    from runway_core.schemas import MetricBatch, MetricSeriesIn
    from runway_core.store.sql import SqlStore

    at = open_page("experiment", project="digits", experiment="mlp")
    at.session_state["curves_metric"] = "val_acc"
    select(at, ["mlp-live"])
    no_exception(at)
    assert traces(figures(at)[-1])["mlp-live"]["y"] == [0.2, 0.4]
    store = SqlStore(seeded.uri)
    batch = MetricBatch(metrics={"val_acc": MetricSeriesIn(steps=[3], values=[0.6])})
    store.log_metrics(seeded.runs["mlp-live"], batch)
    store.close()
    at.run()
    assert traces(figures(at)[-1])["mlp-live"]["y"] == [0.2, 0.4, 0.6]


def test_unreachable_server_is_a_clear_message(monkeypatch, open_page) -> None:
    from tests.conftest import free_port

    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    monkeypatch.setenv("RUNWAY_TRACKING_URI", url)
    at = open_page("projects")
    no_exception(at)
    assert errors(at) and errors(at)[0].startswith(
        f"The tracking store at `{url}` cannot be reached"
    )
