"""Every page against a real ``runway server``: the dashboard reads over HTTP through the Client."""

from __future__ import annotations

import pytest

from tests.ui.helpers import codes, errors, figures, no_exception, table, traces

pytestmark = pytest.mark.e2e


def test_all_pages_over_http(seeded_server, open_page) -> None:
    s = seeded_server
    at = open_page("projects")
    no_exception(at)
    assert table(at).set_index("project").loc["digits", "runs"] == 5

    at = open_page("project", project="digits")
    no_exception(at)
    assert traces(figures(at)[0])["runs"]["y"] == [3, 2]

    at = open_page("experiment", project="digits", experiment="svm", filter="params.C >= 1")
    no_exception(at)
    assert sorted(table(at)["name"]) == ["svm-b", "svm-c"]

    at = open_page("run", run=s.runs["svm-a"])
    no_exception(at)
    assert any("+x = 2" in c for c in codes(at))  # the git diff artifact, read over HTTP

    at = open_page("compare", runs=f"{s.runs['svm-a']},{s.runs['svm-b']}")
    no_exception(at)
    (diff,) = [c for c in codes(at) if "config.json" in c]
    assert '+    "C": 1.0,' in diff.splitlines()

    at = open_page("run", run="f" * 32)
    no_exception(at)
    assert errors(at) and "not found" in errors(at)[0]


def test_goal_switched_in_the_dashboard_is_stored_on_the_server(seeded_server, open_page) -> None:
    import httpx

    at = open_page("project", project="digits")
    (metric,) = [s for s in at.selectbox if s.label == "Metric"]
    metric.set_value("loss").run()
    assert traces(figures(at)[0])["best loss"]["y"] == pytest.approx([0.1, 0.05])  # lowest
    at.radio(key="metric_goal").set_value("highest").run()
    no_exception(at)
    assert traces(figures(at)[0])["best loss"]["y"] == pytest.approx([0.3, 0.6])
    project = httpx.get(f"{seeded_server.uri}/api/v1/projects/by-name/digits").json()
    stored = httpx.get(f"{seeded_server.uri}/api/v1/projects/{project['id']}/metric-goals")
    assert [(g["key"], g["goal"]) for g in stored.json()["data"]] == [("loss", "max")]
