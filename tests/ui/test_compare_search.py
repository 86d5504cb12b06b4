"""The Compare page's run picker searches the server by name: every run can be found, however
old, and runs already chosen stay chosen while the search changes."""

from __future__ import annotations

from tests.ui.conftest import seed_runs
from tests.ui.helpers import no_exception, table


def _labels(at) -> list[str]:  # type: ignore[no-untyped-def]
    return list(at.multiselect(key="compare_runs").options)


def test_picker_finds_the_oldest_of_more_than_500_runs_by_name(seeded, open_page) -> None:
    ids = seed_runs(seeded.uri, "digits", "sweep", 520)  # the 520 newest crowd out the rest
    chosen = seeded.runs["svm-a"]
    at = open_page("compare", project="digits", runs=chosen)
    no_exception(at)
    assert not any("sweep-0000" in label for label in _labels(at))

    at.text_input(key="compare_search").set_value("SWEEP-0000").run()  # any case
    no_exception(at)
    labels = _labels(at)
    assert any("sweep-0000" in label for label in labels)
    assert any("svm-a" in label for label in labels)  # the chosen run stays an option
    picker = at.multiselect(key="compare_runs")
    assert picker.value == [chosen]
    picker.set_value([chosen, ids["sweep-0000"]]).run()
    no_exception(at)
    assert at.query_params["runs"] == f"{chosen},{ids['sweep-0000']}"

    # A new search keeps both chosen runs, and the comparison shows them.
    at.text_input(key="compare_search").set_value("sweep-0001").run()
    no_exception(at)
    assert at.multiselect(key="compare_runs").value == [chosen, ids["sweep-0000"]]
    assert list(table(at, 0).columns) == ["section", "field", "svm-a", "sweep-0000"]


def test_picker_search_text_is_literal(seeded, open_page) -> None:
    at = open_page("compare", project="digits")
    for text in ("it's", "100%", "svm_", "a\\b"):
        at.text_input(key="compare_search").set_value(text).run()
        no_exception(at)
        assert not at.error, text
        assert _labels(at) == [], text  # no run name holds these characters
    at.text_input(key="compare_search").set_value("svm-").run()
    assert len(_labels(at)) == 3
