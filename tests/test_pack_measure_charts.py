"""The panel pack's chart of each headline measure (Appendix B): its monthly series cut at the
paper's month, the Force's own target and known changes over every area's, and two months as the
least that makes a monthly chart. Extracts: tests/fixtures/summary with rows added here."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard import pack
from loaders.load import load_extracts

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "summary"
JUN_2024 = date(2024, 6, 1)
DEC_2024 = date(2024, 12, 1)
TWO_MONTHS = "Referrals closed within two months"

#: Rows added to the fixture's extracts: the Force's own target and change for Referrals (every
#: area's rows stand for the Force until it has its own), a paper to June 2024, and a measure with
#: a series of two months.
ADDED = {
    "targets.csv": ["Referrals,600,2024-09,Force,Illustrative: the Force's own"],
    "changes.csv": ["Referrals,2024-03,Illustrative: the Force's own change,Force"],
    "measures.csv": [
        "2024-06,Helping and supporting victims,Referrals,higher_is_better,count,,",
        f"2024-06,Helping and supporting victims,{TWO_MONTHS},higher_is_better,count,10,12",
    ],
    "series.csv": [f"{TWO_MONTHS},2024-05,10,", f"{TWO_MONTHS},2024-06,12,"],
}


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("pack-measure-charts")
    for csv in FIXTURES.glob("*.csv"):
        shutil.copy(csv, folder / csv.name)
    for name, lines in ADDED.items():
        with (folder / name).open("a", encoding="utf-8") as extract:
            extract.write("".join(line + "\n" for line in lines))
    report = load_extracts(sorted(folder.glob("*.csv")), folder / "charts.duckdb")
    assert report.ok, report.to_text()
    connection = duckdb.connect(str(folder / "charts.duckdb"), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def papers(con) -> dict[date, pack.PackContent]:
    """Each paper's content, gathered once for the module's tests."""
    return {period: pack.gather_pack_content(con, period) for period in (JUN_2024, DEC_2024)}


def chart_table(content: pack.PackContent, title: str) -> pd.DataFrame:
    return next(chart.table for chart in content.charts["measures"] if chart.meta.title == title)


def test_a_papers_series_ends_at_its_month(papers) -> None:
    table = chart_table(papers[JUN_2024], "Referrals: monthly, Force")
    assert (table["Month"].iloc[0], table["Month"].iloc[-1], len(table)) == ("Jan 2023", "Jun 2024", 18)


def test_the_forces_own_target_and_change_are_used_over_every_areas(papers) -> None:
    months = chart_table(papers[DEC_2024], "Referrals: monthly, Force").set_index("Month")
    assert months.loc["Aug 2024", "Target"] == "" and months.loc["Sep 2024", "Target"] == "600"
    assert months.loc["Mar 2024", "Known change (new limits from)"] == "Illustrative: the Force's own change"


def test_a_change_for_every_area_rebases_the_forces_chart(papers) -> None:
    table = chart_table(papers[DEC_2024], "Robbery: monthly, Force")
    assert table.set_index("Month").loc["Jan 2024", "Known change (new limits from)"] == (
        "Illustrative: a new recording practice")


def test_two_months_make_a_monthly_chart(papers) -> None:
    titles = [chart.meta.title for chart in papers[JUN_2024].charts["measures"]]
    assert f"{TWO_MONTHS}: monthly, Force" in titles
    assert len(chart_table(papers[JUN_2024], f"{TWO_MONTHS}: monthly, Force")) == 2
