"""Which loaded period is the Panel's report, what each holds, and the report's name."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from dashboard import periods
from test_measures import add_measure

JAN_2019, DEC_2024 = date(2019, 1, 1), date(2024, 12, 1)


def test_the_latest_panel_report_is_the_default_not_a_later_figures_only_month(
    empty_con: duckdb.DuckDBPyConnection,
) -> None:
    add_measure(empty_con, "referrals", baseline=100, current=120, exception="positive")
    add_measure(empty_con, "burglary", theme="Tackling crime and ASB", baseline=10, current=9, line=3)
    add_measure(empty_con, "all crime", period=DEC_2024, baseline=100, current=90, line=4)
    contents = periods.period_contents(empty_con)
    assert [c.period for c in contents] == [DEC_2024, JAN_2019]
    assert [c.is_panel_report for c in contents] == [False, True]
    assert contents[1].describe() == "Jan 2019: Panel report, 2 headline measures in 2 themes, 1 exception"
    assert contents[0].describe() == (
        "Dec 2024: figures only, no exception report, 1 headline measure in 1 theme, 0 exceptions")
    assert periods.default_report_period(empty_con) == JAN_2019


def test_a_later_panel_report_is_the_default(empty_con: duckdb.DuckDBPyConnection) -> None:
    add_measure(empty_con, "referrals", exception="positive")
    add_measure(empty_con, "referrals", period=DEC_2024, exception="negative", line=3)
    assert periods.default_report_period(empty_con) == DEC_2024


def test_with_no_panel_report_the_latest_period_is_the_default(empty_con: duckdb.DuckDBPyConnection) -> None:
    add_measure(empty_con, "referrals")
    add_measure(empty_con, "referrals", period=DEC_2024, line=3)
    assert periods.default_report_period(empty_con) == DEC_2024


def test_nothing_loaded_has_no_default(empty_con: duckdb.DuckDBPyConnection) -> None:
    assert periods.period_contents(empty_con) == []
    assert periods.default_report_period(empty_con) is None


def test_exception_only_rows_count_as_exceptions_not_headline_measures(empty_con: duckdb.DuckDBPyConnection) -> None:
    add_measure(empty_con, "headline", baseline=1, current=2)
    add_measure(empty_con, "exception only", headline=False, exception="negative", line=3)
    (jan,) = periods.period_contents(empty_con)
    assert (jan.headline_measures, jan.themes, jan.exceptions) == (1, 1, 1)


def test_a_report_without_a_title_is_named_by_its_month(empty_con: duckdb.DuckDBPyConnection) -> None:
    add_measure(empty_con, "referrals")
    assert periods.report_name(empty_con, JAN_2019) == "Report to Jan 2019"


def test_the_sample_opens_on_the_seed_report(sample_db: Path) -> None:
    """The sample's Dec 2024 holds data.police.uk counts only; Jan 2019 is the seed report."""
    with duckdb.connect(str(sample_db), read_only=True) as con:
        assert periods.default_report_period(con) == JAN_2019
        by_period = {c.period: c for c in periods.period_contents(con)}
    assert by_period[JAN_2019].headline_measures == 12 and by_period[JAN_2019].themes == 4
    assert not by_period[DEC_2024].is_panel_report


@pytest.mark.parametrize("count, word", [(1, "1 exception"), (2, "2 exceptions")])
def test_describe_counts_in_words(count: int, word: str) -> None:
    contents = periods.PeriodContents(JAN_2019, headline_measures=count, themes=count, exceptions=count, title=None)
    assert word in contents.describe()


@pytest.mark.parametrize("page", ["pages/delivery.py", "pages/budget.py", "pages/panel_pack.py"])
def test_every_period_picker_opens_on_the_panel_report(page: str, sample_db: Path, monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    """The pages with their own period lists open on the same report as the Overview, one click to change."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DASHBOARD_DB", str(sample_db))
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-browser"))
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / page), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    picker = at.radio(key="filter_period") if at.radio else at.selectbox(key="filter_period")
    assert picker.value == JAN_2019
    assert any(e.label == "How to read this page" for e in at.expander)
