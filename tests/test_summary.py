"""The performance summary (dashboard/summary.py): one row per measure with a monthly series in
an area, its latest figure, limits, target, variation, assurance and months since special cause;
the filters; the matrix of counts; the icons (dashboard/summary_icons.py) in the HTML table.

The extracts in tests/fixtures/summary (written by make_fixture.py there) give one measure per
case: Burglary seven months above its mean (concern) against a target below its limits (lower is
better: consistently failing), and its City series with a City target (passing); Referrals' last
month above the upper limit (improvement), its target replaced in Jun 2024 by one inside the
limits (hit and miss); Satisfaction one month outside, 14 months before the latest, a target
below its limits (higher is better: passing); Calls neutral with a target (no assurance);
Robbery with no target, stepping up at a known change in Jan 2024 (changes.csv: its limits are
rebased); and a measure whose name is hostile markup.
"""

from __future__ import annotations

import base64
import re
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from report_tables import tables_in_html

from dashboard import glossary, spc, summary, summary_icons
from dashboard.html_tables import table_html
from loaders.load import load_extracts

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "summary"
HOSTILE = "<script>alert(1)</script> [x](javascript:alert(1))"
DEC_2024, JUN_2024 = date(2024, 12, 1), date(2024, 6, 1)


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("summary") / "summary.duckdb"
    report = load_extracts(sorted(FIXTURES.glob("*.csv")), db)
    assert report.ok, report.to_text()
    connection = duckdb.connect(str(db), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def rows(con) -> pd.DataFrame:
    return summary.query_summary(con, DEC_2024)


def by_measure(frame: pd.DataFrame) -> dict[str, dict]:
    return {row["measure"]: row for row in summary.row_records(frame)}


def test_one_row_per_measure_in_plan_theme_order(rows) -> None:
    assert rows["measure"].tolist() == ["Referrals", "Satisfaction", HOSTILE, "Burglary", "Robbery", "Calls"]
    assert rows.columns.tolist() == list(summary.SUMMARY_COLUMNS)
    assert set(rows["points"]) == {24} and set(rows["latest_period"]) == {DEC_2024}


def test_the_figures_are_the_spc_charts(con, rows) -> None:
    """Mean and limits are spc.spc_table's for the same series; the latest value is December's."""
    series = con.execute("SELECT period, value FROM series WHERE measure = 'Burglary' AND area = 'Force' "
                         "ORDER BY period").df()
    result = spc.spc_table(list(series["period"].dt.date), series["value"].to_numpy(), "lower_is_better")
    burglary = by_measure(rows)["Burglary"]
    assert burglary["latest_value"] == 104
    assert burglary["mean"] == result.mean
    assert (burglary["lower_process_limit"], burglary["upper_process_limit"]) == (
        result.lower_process_limit, result.upper_process_limit)


def test_variation_assurance_and_months_since_special_cause(rows) -> None:
    got = {m: (r["variation"], r["side"], r["assurance"], r["assurance_words"], r["months_since_special"])
           for m, r in by_measure(rows).items()}
    assert got == {
        "Referrals": (spc.SPECIAL_IMPROVEMENT, 1, spc.ASSURANCE_HIT_AND_MISS, spc.ASSURANCE_HIT_AND_MISS, 0),
        "Satisfaction": (spc.COMMON_CAUSE, 0, spc.ASSURANCE_PASS, spc.ASSURANCE_PASS, 14),
        HOSTILE: (spc.COMMON_CAUSE, 0, None, spc.NO_ASSURANCE_NO_TARGET, None),
        "Burglary": (spc.SPECIAL_CONCERN, 1, spc.ASSURANCE_FAIL, spc.ASSURANCE_FAIL, 0),
        "Robbery": (spc.COMMON_CAUSE, 0, None, spc.NO_ASSURANCE_NO_TARGET, None),
        "Calls": (spc.COMMON_CAUSE, 0, None, spc.NO_ASSURANCE_NEUTRAL, None),
    }
    assert by_measure(rows)["Satisfaction"]["last_special_period"] == date(2023, 10, 1)


def test_the_target_is_the_one_in_force_in_the_latest_month(con) -> None:
    """Referrals' 480 from Jan 2023 is replaced by 505 from Jun 2024: in May 2024 the summary uses 480."""
    may = by_measure(summary.query_summary(con, date(2024, 5, 1)))["Referrals"]
    june = by_measure(summary.query_summary(con, JUN_2024))["Referrals"]
    assert (may["target"], may["target_from"]) == (480, date(2023, 1, 1))
    assert (june["target"], june["target_from"]) == (505, JUN_2024)


def test_an_area_has_its_own_series_and_target(con) -> None:
    city = summary.query_summary(con, DEC_2024, "City")
    assert city["measure"].tolist() == ["Burglary"]
    row = summary.row_records(city)[0]
    assert row["latest_value"] == 41 and row["target"] == 95 and row["assurance"] == spc.ASSURANCE_PASS
    assert summary.query_summary(con, DEC_2024, "Nowhere").empty


def test_the_series_stop_at_the_report_month_and_a_theme_narrows_them(con) -> None:
    june = summary.query_summary(con, JUN_2024)
    assert set(june["points"]) == {18} and set(june["latest_period"]) == {JUN_2024}
    assert summary.query_summary(con, date(2022, 12, 1)).empty   # before every series
    victims = summary.query_summary(con, DEC_2024, None, "Helping and supporting victims")
    assert victims["measure"].tolist() == ["Referrals", "Satisfaction"]


def test_latest_series_month(con) -> None:
    assert summary.latest_series_month(con) == DEC_2024
    assert summary.latest_series_month(con, "City") == DEC_2024
    assert summary.latest_series_month(con, "Nowhere") is None


def test_months_between() -> None:
    assert summary.months_between(date(2024, 11, 1), date(2024, 12, 1)) == 1
    assert summary.months_between(date(2023, 12, 1), date(2024, 1, 1)) == 1
    assert summary.months_between(date(2023, 10, 1), date(2024, 12, 1)) == 14
    assert summary.months_between(DEC_2024, DEC_2024) == 0


def test_the_table_in_words(rows) -> None:
    table = summary.summary_table(rows)
    assert table.columns.tolist() == list(summary.TABLE_COLUMNS)
    shown = {r["Measure"]: r for r in table.to_dict("records")}
    assert shown["Burglary"] == {
        "Measure": "Burglary", "Latest month": "Dec 2024", "Latest": "104", "Mean": "101.5",
        "Lower process limit": "91.3", "Upper process limit": "111.7", "Target": "50 (from Apr 2023)",
        "Variation": "Special cause concern (higher values)", "Assurance": "Consistently failing",
        "Months since special cause": "0 (the latest month)"}
    assert shown["Satisfaction"]["Latest"] == "74.0%" and shown["Satisfaction"]["Target"] == "50.0% (from Jan 2023)"
    assert shown["Satisfaction"]["Months since special cause"] == "14 (last Oct 2023)"
    assert shown["Referrals"]["Variation"] == "Special cause improvement (higher values)"
    assert shown["Calls"]["Assurance"] == "No assurance (neutral measure)"
    assert shown["Robbery"]["Target"] == "–" and shown["Robbery"]["Assurance"] == "No target"
    assert shown["Robbery"]["Months since special cause"] == "None in 24 months"
    assert shown[HOSTILE]["Measure"] == HOSTILE


def test_variation_words_say_the_side_only_for_improvement_and_concern() -> None:
    assert summary.variation_words(spc.SPECIAL_CONCERN, -1) == "Special cause concern (lower values)"
    assert summary.variation_words(spc.SPECIAL_IMPROVEMENT, 1) == "Special cause improvement (higher values)"
    assert summary.variation_words(spc.SPECIAL_HIGH, 1) == "Special cause high"
    assert summary.variation_words(spc.COMMON_CAUSE, 0) == "Common cause"
    assert summary.variation_words(None) == "No points"


@pytest.mark.parametrize(("view", "expected"), [
    (None, ["Referrals", "Satisfaction", HOSTILE, "Burglary", "Robbery", "Calls"]),
    (summary.CONCERNS, ["Burglary"]),
    (summary.IMPROVEMENTS, ["Referrals"]),
    (summary.FAILING, ["Burglary"]),
])
def test_the_filters(rows, view: str | None, expected: list[str]) -> None:
    assert summary.filter_summary(rows, view)["measure"].tolist() == expected


def test_view_counts_and_an_unknown_view(rows) -> None:
    assert summary.view_counts(rows) == {summary.CONCERNS: 1, summary.IMPROVEMENTS: 1, summary.FAILING: 1}
    with pytest.raises(ValueError, match="unknown summary view 'worst'"):
        summary.filter_summary(rows, "worst")


def test_describe_summary(rows) -> None:
    assert summary.describe_summary(rows) == (
        "6 measures: 4 common cause, 1 special cause improvement, 1 special cause concern; 4 with a target "
        "(1 consistently passing, 1 hit and miss, 1 consistently failing).")
    assert summary.describe_summary(rows.iloc[4:5]) == "1 measure: 1 common cause; none has a target set."


def test_the_matrix_counts_every_measure_once(rows) -> None:
    matrix = summary.count_matrix(rows)
    assert matrix.variations == (spc.COMMON_CAUSE, spc.SPECIAL_IMPROVEMENT, spc.SPECIAL_CONCERN)
    table = summary.matrix_table(matrix)
    assert table.columns.tolist() == ["Variation", "Consistently passing (P)", "Hit and miss (?)",
                                      "Consistently failing (F)", "No assurance (–)", "Measures"]
    assert table.values.tolist() == [["Common cause", 1, 0, 0, 3, 4],
                                     ["Special cause improvement", 0, 1, 0, 0, 1],
                                     ["Special cause concern", 0, 0, 1, 0, 1]]
    assert int(matrix.counts.sum()) == len(rows)
    assert summary.describe_matrix(matrix) == (
        "Measures by variation and assurance, 6 in all. Common cause: 1 consistently passing, 3 no assurance; "
        "Special cause improvement: 1 hit and miss; Special cause concern: 1 consistently failing.")


def test_a_neutral_measures_high_or_low_gets_its_own_row() -> None:
    rows = pd.DataFrame({"variation": [spc.SPECIAL_LOW, spc.COMMON_CAUSE], "assurance": [None, None]})
    matrix = summary.count_matrix(rows)
    assert matrix.variations == (spc.COMMON_CAUSE, spc.SPECIAL_IMPROVEMENT, spc.SPECIAL_CONCERN, spc.SPECIAL_LOW)
    assert matrix.counts[:, -1].tolist() == [1, 0, 0, 1]


def test_the_matrix_figure_draws_the_tables_counts_with_letters(rows) -> None:
    from dashboard.charts import ChartMeta

    matrix = summary.count_matrix(rows)
    figure = summary.build_matrix_figure(matrix, ChartMeta("Measures by variation and assurance"))
    table = summary.matrix_table(matrix)
    assert [trace.name for trace in figure.data] == table.columns[1:-1].tolist()
    for trace in figure.data:
        assert list(trace.x) == table[trace.name].tolist()
        letter = trace.name[-2]
        assert list(trace.text) == [f"{letter} {n}" if n else "" for n in trace.x]   # never colour alone
    assert figure.layout.barmode == "stack"


def test_a_short_series_is_noted_with_its_trial_limits(con) -> None:
    june_2023 = summary.query_summary(con, date(2023, 6, 1))
    assert set(june_2023["points"]) == {6}
    assert summary.notes(june_2023)[0] == (
        "Referrals: Only 6 points, fewer than the 12 recommended: trial limits that will change as months are added.")
    assert summary.notes(summary.query_summary(con, DEC_2024)) == [
        "Robbery: mean and limits from Jan 2024 on, recalculated after a known change (Illustrative: a new "
        "recording practice)."]


def test_a_known_change_rebases_the_limits_the_summary_shows(con, rows) -> None:
    """Robbery steps from about 60 to about 80 in Jan 2024, a change recorded in changes.csv: the
    row gives the new segment's mean and limits and common cause; without the change the step would
    be a shift, special cause concern."""
    robbery = by_measure(rows)["Robbery"]
    assert (robbery["limits_from"], robbery["rebase_reason"]) == (date(2024, 1, 1), "Illustrative: a new recording practice")
    assert robbery["mean"] == pytest.approx(80.5) and robbery["variation"] == spc.COMMON_CAUSE
    series = con.execute("SELECT period, value FROM series WHERE measure = 'Robbery' AND area = 'Force' "
                         "ORDER BY period").df()
    unbroken = spc.spc_table(list(series["period"].dt.date), series["value"].to_numpy(), "lower_is_better")
    assert unbroken.state == spc.SPECIAL_CONCERN and unbroken.mean == pytest.approx(70.5)
    assert by_measure(summary.query_summary(con, DEC_2024, "County"))["Robbery"]["limits_from"] == date(2024, 1, 1)


def test_notes_name_trial_limits_and_a_measure_not_in_the_report() -> None:
    rows = pd.DataFrame([{"measure": "A", "warning": "Only 5 points, fewer than the 12 recommended: trial limits "
                          "that will change as months are added.", "in_measures": True},
                         {"measure": "B", "warning": None, "in_measures": False}])
    assert summary.notes(rows) == [
        "A: Only 5 points, fewer than the 12 recommended: trial limits that will change as months are added.",
        "B is not among the loaded measures: treated as neutral, so it has no improvement, concern or assurance."]


def test_a_series_whose_measure_is_not_loaded_is_neutral_and_says_so(empty_con) -> None:
    """The loader asks a series' measure to be loaded; a database that lost it still shows the
    series, as the SPC command line does: neutral, number, no theme, and a note saying so."""
    empty_con.executemany("INSERT INTO series VALUES (?, 'Force', ?, ?, 'series.csv', 1)",
                          [["Unlisted", date(2024, m, 1), 100.0 + m % 3] for m in range(1, 13)])
    rows = summary.query_summary(empty_con, DEC_2024)
    row, = summary.row_records(rows)
    assert (row["polarity"], row["unit"], row["theme"], row["in_measures"]) == ("neutral", "number", None, False)
    assert row["assurance_words"] == spc.NO_ASSURANCE_NO_TARGET
    assert summary.notes(rows) == ["Unlisted is not among the loaded measures: treated as neutral, so it has no "
                                   "improvement, concern or assurance."]
    assert summary.describe_source(empty_con) == "series.csv, load time not recorded"


# --- Icons --------------------------------------------------------------------------------------------


def test_every_variation_and_assurance_has_its_own_icon() -> None:
    variations = {summary_icons.variation_svg(v) for v in spc.VARIATIONS}
    assurances = {summary_icons.assurance_svg(a) for a in spc.ASSURANCES}
    assert len(variations) == len(spc.VARIATIONS) and len(assurances) == len(spc.ASSURANCES)
    for svg in variations | assurances:
        assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" ') and svg.endswith("</svg>")
    # the shape says it as well as the colour: the SPC chart's diamond, square and triangles
    assert "<path d=\"M12 1.5L22.5 12" in summary_icons.variation_svg(spc.SPECIAL_IMPROVEMENT)
    assert "<rect " in summary_icons.variation_svg(spc.SPECIAL_CONCERN)
    assert ">P</text>" in summary_icons.assurance_svg(spc.ASSURANCE_PASS)
    assert ">F</text>" in summary_icons.assurance_svg(spc.ASSURANCE_FAIL)
    assert ">?</text>" in summary_icons.assurance_svg(spc.ASSURANCE_HIT_AND_MISS)
    with pytest.raises(KeyError):
        summary_icons.variation_icon("special cause worry")


def test_an_icon_is_a_decorative_image_of_its_svg() -> None:
    """An <img> (Streamlit's sanitiser drops inline <svg>) whose empty alt lets a screen reader
    skip it: the words beside it say the same."""
    icon = summary_icons.assurance_icon(spc.ASSURANCE_FAIL)
    match = re.fullmatch(r'<img class="mdc-icon mdc-consistently-failing" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" '
                         r'alt="" aria-hidden="true" width="20" height="20" style="[^"]+">', icon)
    assert match, icon
    assert base64.b64decode(match[1]).decode("utf-8") == summary_icons.assurance_svg(spc.ASSURANCE_FAIL)
    assert 'class="mdc-icon mdc-none"' in summary_icons.assurance_icon(None)


def test_a_white_mark_on_an_icon_reads_at_4_5_to_1() -> None:
    from dashboard.charts import contrast_ratio

    for fill in (summary_icons.IMPROVEMENT_FILL, summary_icons.CONCERN_FILL, summary_icons.NEUTRAL_FILL):
        assert contrast_ratio(summary_icons.WHITE, fill) >= 4.5


def test_icons_go_before_their_words_and_extract_text_stays_text(rows) -> None:
    table = summary.summary_table(rows)
    markup = table_html(table, "Summary", icons=summary.table_icons(rows))
    assert markup.count('<img class="mdc-icon') == 2 * len(rows)
    assert "<script>" not in markup and "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    burglary = markup[markup.index(">Burglary<"):]
    # the icon first, kept on one line with the first word of its words
    icon = summary_icons.variation_icon(spc.SPECIAL_CONCERN)
    assert f'<span class="with-icon">{icon}Special</span> cause concern (higher values)</td>' in burglary
    read = tables_in_html(markup)[0]   # the cells' text: the icons add nothing to it
    assert read["Variation"].tolist() == table["Variation"].tolist()
    assert read["Assurance"].tolist() == table["Assurance"].tolist()


def test_icons_must_match_the_rows() -> None:
    with pytest.raises(ValueError, match="1 icons for the 2 rows of column 'A'"):
        table_html(pd.DataFrame({"A": ["x", "y"]}), "c", icons={"A": ["<img>"]})


def test_the_glossary_explains_every_word_the_summary_prints() -> None:
    for variation in spc.VARIATIONS:
        assert glossary.VARIATION_WORDS[variation].meaning
    for label in (*[a for a in spc.ASSURANCES if a], spc.NO_ASSURANCE_NO_TARGET, spc.NO_ASSURANCE_NEUTRAL):
        assert glossary.ASSURANCE_WORDS[label].meaning
    assert glossary.ASSURANCE_WORDS[spc.ASSURANCE_FAIL].meaning == spc.ASSURANCE_MEANINGS[spc.ASSURANCE_FAIL]
    assert {"Variation", "Assurance", "Months since special cause"} <= set(glossary.HOW_TO_READ["summary"][1])
