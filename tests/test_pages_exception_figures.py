"""The Exceptions page shows each exception as its own table published it: figure and narrative
(measures.csv's exception_trend and exception_comment), on the project's sample."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from report_tables import report_tables

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def exceptions_page(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("DASHBOARD_DB", str(sample_db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["period"] = "2019-01"
    at.run()
    at.switch_page("pages/exceptions.py").run()
    assert not at.exception, at.exception
    return at


def test_each_exception_shows_its_tables_own_figure_and_narrative(exceptions_page: AppTest) -> None:
    """Serious sexual offences: -2.7% pts as the negative exception table prints it (the headline
    table's ↓ 0.5% pts stays there), no check since it agrees, and paragraph 7.5 as its narrative,
    with no transcriber's note; an exception only in the exception tables shows its figure too."""
    table = [t for t in report_tables(exceptions_page) if "Published" in t.columns][-1]   # the narratives
    rows = table.set_index("Measure")
    sso = rows.loc["Positive outcome rate for serious sexual offences"]
    assert (sso["Published"], sso["Check"]) == ("-2.7% pts", "")
    assert sso["Comment"].startswith("Positive outcomes rates for serious sexual offences have reduced steadily")
    assert rows.loc["Domestic abuse crimes", "Published"] == "+33.5%"
    assert rows.loc["Adult and child safeguarding referrals", "Comment"].startswith(
        "Increases in recorded adult and child safeguarding referrals")
    assert not any("exception report (paragraph" in comment for comment in table["Comment"])
    assert len(table) == 10
