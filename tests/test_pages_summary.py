"""The Performance summary page in AppTest: one row per measure with a monthly series, variation and
assurance each as an icon and words, the filters (concerns, improvements, failing targets) kept in
the link, the area from the shared filter, the matrix as a chart with its table, extract text shown
literally, and a report month before every series (the sample's Jan 2019) linking to the latest.

Extracts: tests/fixtures/summary (the measures tests/test_summary.py names), and the sample."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import pytest
from report_tables import html_bodies, report_tables
from streamlit.testing.v1 import AppTest

from loaders.load import load_extracts

ROOT = Path(__file__).resolve().parent.parent
PAGE = "pages/summary.py"
FIXTURES = ROOT / "tests" / "fixtures" / "summary"
HOSTILE = "<script>alert(1)</script> [x](javascript:alert(1))"
ALL_MEASURES = ["Referrals", "Satisfaction", HOSTILE, "Burglary", "Robbery", "Calls"]
CAPTION = "Performance summary: Force, to Dec 2024"


@pytest.fixture(scope="module")
def summary_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("summary-page") / "summary.duckdb"
    report = load_extracts(sorted(FIXTURES.glob("*.csv")), path)
    assert report.ok, report.to_text()
    return path


@pytest.fixture
def summary_app(summary_db, monkeypatch) -> Path:
    monkeypatch.setenv("DASHBOARD_DB", str(summary_db))
    return summary_db


def open_page(**params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def table(at: AppTest, caption: str):
    return next(t for t in report_tables(at) if t.attrs["caption"] == caption)


def summary_body(at: AppTest) -> str:
    return next(body for body in html_bodies(at) if "Performance summary:" in body)


def test_every_measure_with_its_variation_and_assurance_as_icon_and_words(summary_app) -> None:
    at = open_page()
    assert at.title[0].value == "Performance summary"
    shown = table(at, CAPTION)
    assert shown["Measure"].tolist() == ALL_MEASURES
    burglary = shown[shown["Measure"] == "Burglary"].iloc[0]
    assert burglary.tolist() == ["Burglary", "Dec 2024", "104", "101.5", "91.3", "111.7", "50 (from Apr 2023)",
                                 "Special cause concern (higher values)", "Consistently failing",
                                 "0 (the latest month)"]
    assert shown.set_index("Measure").loc["Calls", "Assurance"] == "No assurance (neutral measure)"
    body = summary_body(at)
    # each row's two icons, decorative images (alt=""), beside the words that say the same
    assert body.count('<img class="mdc-icon') == 2 * len(ALL_MEASURES)
    assert body.count('alt="" aria-hidden="true"') == 2 * len(ALL_MEASURES)
    assert 'class="mdc-icon mdc-special-cause-concern"' in body and 'class="mdc-icon mdc-consistently-failing"' in body
    captions = [c.value.replace("\\", "") for c in at.caption]
    assert any(c.startswith("6 measures: 4 common cause, 1 special cause improvement, 1 special cause concern; "
                            "4 with a target") for c in captions)


@pytest.mark.parametrize(("show", "expected", "heading"), [
    ("concerns", ["Burglary"], "Special cause concerns"),
    ("improvements", ["Referrals"], "Special cause improvements"),
    ("failing", ["Burglary"], "Targets consistently failing"),
])
def test_a_link_opens_on_its_filter(summary_app, show: str, expected: list[str], heading: str) -> None:
    at = open_page(show=show)
    assert at.selectbox(key="summary_show").value == show
    assert table(at, f"{CAPTION} ({heading.lower()})")["Measure"].tolist() == expected
    assert heading in [h.value for h in at.header]
    # the matrix still counts every measure, whatever the filter
    counts = table(at, "Data table for the chart: Measures by variation and assurance, Dec 2024")
    assert counts["Measures"].astype(int).sum() == len(ALL_MEASURES)


def test_choosing_a_filter_writes_it_into_the_link(summary_app) -> None:
    at = open_page()
    assert "show" not in at.query_params
    at.selectbox(key="summary_show").set_value("improvements").run()
    assert at.query_params["show"] == "improvements"
    assert table(at, f"{CAPTION} (special cause improvements)")["Measure"].tolist() == ["Referrals"]
    at.selectbox(key="summary_show").set_value("All").run()
    assert "show" not in at.query_params
    assert table(at, CAPTION)["Measure"].tolist() == ALL_MEASURES


def test_the_filter_options_say_how_many_each_holds(summary_app) -> None:
    at = open_page()
    assert at.selectbox(key="summary_show").options == [
        "All", "Special cause concerns (1)", "Special cause improvements (1)", "Targets consistently failing (1)"]


def test_an_unknown_filter_in_the_link_shows_every_measure(summary_app) -> None:
    at = open_page(show="worst")
    assert at.selectbox(key="summary_show").value == "All"
    assert table(at, CAPTION)["Measure"].tolist() == ALL_MEASURES


def test_an_empty_filter_says_so(summary_app) -> None:
    at = open_page(show="concerns", area="City")
    assert "No measure is among the special cause concerns for City in Dec 2024." in [i.value for i in at.info]


def test_the_area_filter_shows_that_areas_series_and_target(summary_app) -> None:
    at = open_page(area="City")
    shown = table(at, "Performance summary: City, to Dec 2024")
    assert shown["Measure"].tolist() == ["Burglary"]
    assert shown.iloc[0][["Latest", "Target", "Assurance"]].tolist() == ["41", "95 (from Dec 2024)",
                                                                          "Consistently passing"]


def test_the_matrix_is_a_chart_with_its_table(summary_app) -> None:
    at = open_page()
    figures = [json.loads(node.proto.spec) for node in at.get("plotly_chart")]
    assert len(figures) == 1
    figure = figures[0]
    assert [trace["name"] for trace in figure["data"]] == [
        "Consistently passing (P)", "Hit and miss (?)", "Consistently failing (F)", "No assurance (–)"]
    counts = table(at, "Data table for the chart: Measures by variation and assurance, Dec 2024")
    assert counts.values.tolist() == [["Common cause", "1", "0", "0", "3", "4"],
                                      ["Special cause improvement", "0", "1", "0", "0", "1"],
                                      ["Special cause concern", "0", "0", "1", "0", "1"]]
    assert [e.label for e in at.expander][-1] == "Data table"


def test_hostile_text_in_a_measure_name_is_shown_literally(summary_app) -> None:
    at = open_page()
    assert HOSTILE in table(at, CAPTION)["Measure"].tolist()
    body = summary_body(at)
    assert html.escape(HOSTILE, quote=False) in body and "<script" not in body
    rendered = [m.value for m in at.markdown] + [c.value for c in at.caption] + [h.value for h in at.header]
    assert not any("<script>" in text or "](javascript" in text for text in rendered)


def test_a_report_month_before_every_series_says_so_and_links_to_the_latest(sample_db, monkeypatch) -> None:
    """The sample's Jan 2019 report has no series (they begin in 2023): the page says so and links
    to Dec 2024, the latest month they reach, in a link that can be shared."""
    monkeypatch.setenv("DASHBOARD_DB", str(sample_db))
    at = open_page(period="2019-01")
    assert [i.value.replace("\\", "") for i in at.info] == [
        "No monthly series for Force runs up to Jan 2019: the series loaded begin later. The latest month they "
        "reach is Dec 2024."]
    link, = at.get("page_link")
    assert link.proto.label == "Show the summary for Dec 2024"
    assert link.proto.page.endswith("summary") and "period=2024-12" in link.proto.query_string
    assert not report_tables(at)


def test_the_sample_at_december_2024_shows_every_series_backed_measure(sample_db, monkeypatch) -> None:
    monkeypatch.setenv("DASHBOARD_DB", str(sample_db))
    at = open_page(period="2024-12")
    shown = table(at, "Performance summary: Force, to Dec 2024")
    assert len(shown) == 16 and shown["Measure"].str.startswith("Recorded crime: ").all()
    assert set(shown["Latest month"]) == {"Dec 2024"}


def test_a_hostile_area_name_is_shown_literally(summary_db, tmp_path, monkeypatch) -> None:
    db = tmp_path / "dashboard.duckdb"
    shutil.copyfile(summary_db, db)
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    quoted = '"' + HOSTILE + '"'
    (tmp_path / "series_hostile.csv").write_text("measure,period,value,area\n" + "".join(
        f"Robbery,2024-{m:02d},{50 + m % 4},{quoted}\n" for m in range(1, 13)), encoding="utf-8")
    assert load_extracts([tmp_path / "series_hostile.csv"], db).ok
    at = open_page(area=HOSTILE)
    shown = table(at, f"Performance summary: {HOSTILE}, to Dec 2024")
    assert shown["Measure"].tolist() == ["Robbery"]
    rendered = [m.value for m in at.markdown] + [c.value for c in at.caption] + [h.value for h in at.header]
    assert not any("<script>" in text or "](javascript" in text for text in rendered)
    assert "<script" not in summary_body(at)
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "<script>" not in figure["layout"]["title"]["text"]
