"""Measure queries, filters and figures on a hand-made slice of the Jan 2019 report."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard import charts, domain, measures
from dashboard.charts import ChartMeta
from dashboard.figures import (
    build_comparison_figure,
    build_direction_summary_figure,
    build_exceptions_figure,
    build_measure_view,
    plain_label,
)
from dashboard.filters import (
    Filters,
    filters_to_params,
    parse_filter_params,
    resolve_choice,
    resolve_period,
)
from loaders.atomic import staged_database

SEED_SQL = Path(__file__).parent / "fixtures" / "pages" / "seed.sql"
JAN_2019 = date(2019, 1, 1)
OCT_2018 = date(2018, 10, 1)
SAFEGUARDING = "Adult and child safeguarding referrals"
SSO = "Positive outcome rate for serious sexual offences"
KNIFE = "Violent knife crime recorded by police"
META = ChartMeta(title="Test chart", subtitle="sub", source="measures.csv", alt="alt")


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    path = tmp_path_factory.mktemp("measures") / "seed.duckdb"
    with staged_database(path) as write:
        write.execute(SEED_SQL.read_text(encoding="utf-8"))
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


def _row(df: pd.DataFrame, measure: str) -> dict:
    return next(r for r in measures.records(df) if r["measure"] == measure)


# --- Periods, themes ------------------------------------------------------------------------------


def test_periods_oldest_first_and_previous(con: duckdb.DuckDBPyConnection) -> None:
    """Report periods come back as dates; the previous report is the one before."""
    assert measures.list_periods(con) == [OCT_2018, JAN_2019]
    assert measures.previous_period(con, JAN_2019) == OCT_2018
    assert measures.previous_period(con, OCT_2018) is None


def test_themes_in_plan_order(con: duckdb.DuckDBPyConnection) -> None:
    """Themes follow the plan's order, not the alphabet."""
    assert measures.list_themes(con, JAN_2019) == [
        "Protecting people from harm", "Helping and supporting victims", "Tackling crime and ASB",
    ]
    assert measures.list_themes(con, OCT_2018) == ["Protecting people from harm"]


# --- Headline table --------------------------------------------------------------------------------


def headlines(con: duckdb.DuckDBPyConnection, period: date, theme: str | None = None) -> pd.DataFrame:
    """The headline table as the Theme headlines page and the pack build it."""
    return measures.headline_table(measures.headline_rows(measures.query_measure_changes(con, period, theme)))



def test_safeguarding_referrals_seed_figures(con: duckdb.DuckDBPyConnection) -> None:
    """4,872 -> 5,369 is +10.2%, better for a higher-is-better measure."""
    table = headlines(con, JAN_2019)
    row = table[table["Measure"] == SAFEGUARDING].iloc[0]
    assert row["Baseline"] == "4,872 (Jan 2018)"
    assert row["Current"] == "5,369 (Jan 2019)"
    assert row["Change"] == "+10.2%"
    assert row["Direction"] == "✔ Better"
    assert row["Check"] == ""


def test_rising_crime_is_worse(con: duckdb.DuckDBPyConnection) -> None:
    """A rise in a lower-is-better measure is worse, with its icon."""
    table = headlines(con, JAN_2019)
    assert table.loc[table["Measure"] == KNIFE, "Direction"].iloc[0] == "✖ Worse"


def test_sso_published_trend_flagged_not_hidden(con: duckdb.DuckDBPyConnection) -> None:
    """The published ↓ 0.5% pts disagrees with 11.6% -> 8.9%: flagged, the row kept as published."""
    table = headlines(con, JAN_2019)
    row = table[table["Measure"] == SSO].iloc[0]
    assert row["Change"] == "-2.7 pts ⚠"
    assert row["Published trend"] == "↓ 0.5% pts"
    assert row["Check"] == "⚠ Published trend ↓ 0.5% pts disagrees with computed -2.7 pts"


def test_current_before_baseline_flagged(con: duckdb.DuckDBPyConnection) -> None:
    """The reoffending measure's current (Jan 2018) precedes its baseline (Jun 2018)."""
    table = headlines(con, JAN_2019)
    check = table.loc[table["Measure"].str.startswith("Integrated Offender"), "Check"].iloc[0]
    assert "Current figure (Jan 2018) is dated before the baseline (Jun 2018)" in check


def test_headlines_exclude_non_headline_and_filter_by_theme(con: duckdb.DuckDBPyConnection) -> None:
    """Only headline rows; a theme filter keeps that theme's rows only."""
    everything = headlines(con, JAN_2019)
    assert "Domestic abuse crimes" not in set(everything["Measure"])
    victims = headlines(con, JAN_2019, "Helping and supporting victims")
    assert list(victims["Measure"]) == [SSO]
    assert list(victims.columns) == list(measures.HEADLINE_TABLE_COLUMNS)


def test_pending_grade_is_not_comparable(con: duckdb.DuckDBPyConnection) -> None:
    """A grade with its current figure pending shows the status and no direction."""
    table = headlines(con, JAN_2019)
    row = table[table["Measure"].str.startswith("Police Effectiveness")].iloc[0]
    assert (row["Baseline"], row["Current"], row["Change"]) == ("Requires Improvement (2017)", "Pending (Apr 2019)", "–")
    assert row["Direction"] == "… Not comparable"


# --- Overview -------------------------------------------------------------------------------------


def test_figure_text_shows_each_period_once() -> None:
    """A figure gets its period in brackets; a composite shown as published keeps its own."""
    base = {"unit": "money", "current_value": None, "current_status": None,
            "current_period": date(2019, 1, 1), "current_period_is_year": False}
    composite = {**base, "current_text": "+£1.1m rev -£4.0m cap (Jan 2019)"}
    assert measures.figure_text(composite, "current") == "+£1.1m rev -£4.0m cap (Jan 2019)"
    pending = {**base, "current_status": "Pending", "current_text": "Pending: (Jan 2019)"}
    assert measures.figure_text(pending, "current") == "Pending (Jan 2019)"
    counted = {**base, "unit": "count", "current_value": 5369.0, "current_text": "5,369 (Jan 2019)"}
    assert measures.figure_text(counted, "current") == "5,369 (Jan 2019)"


def test_theme_summary_counts(con: duckdb.DuckDBPyConnection) -> None:
    """Per theme: better, worse, not comparable, exceptions, flagged rows."""
    summary = measures.query_theme_summary(con, JAN_2019).set_index("theme")
    harm = summary.loc["Protecting people from harm"]
    assert (harm["measures"], harm["better"], harm["worse"], harm["not_comparable"]) == (3, 1, 1, 1)
    victims = summary.loc["Helping and supporting victims"]
    assert (victims["positive_exceptions"], victims["negative_exceptions"], victims["flagged"]) == (1, 1, 1)


def test_summary_table_headings_carry_icons(con: duckdb.DuckDBPyConnection) -> None:
    """Better/worse columns are named with icon and word, never colour alone."""
    table = measures.summary_table(measures.query_theme_summary(con, JAN_2019))
    assert {"✔ Better", "✖ Worse", "✔ Positive exceptions", "✖ Negative exceptions"} <= set(table.columns)


def test_rag_text_as_the_report_writes_it() -> None:
    """'● 14/14 (100%) Green', statuses with no deliverables left out."""
    rag = pd.DataFrame({
        "theme": ["T", "T", "T", "T"], "status": ["G", "A", "R", "W"],
        "n": [14, 0, 0, 0], "total": [14] * 4,
        "summary_text": ["14/14 (100%)", "0/14 (0%)", "0/14 (0%)", "0/14 (0%)"],
    })
    assert measures.rag_text_by_theme(rag) == {"T": "● 14/14 (100%) Green"}


def test_changes_since_previous_report(con: duckdb.DuckDBPyConnection) -> None:
    """Knife crime turned from better to worse; referrals became a positive exception."""
    changes = measures.query_changes_since(con, JAN_2019, OCT_2018).set_index("Measure")
    assert changes.loc[KNIFE, "What changed"] == "Direction now ✖ Worse (was ✔ Better)"
    assert changes.loc[KNIFE, "Previous report"] == "820 (Oct 2018)"
    assert changes.loc[SAFEGUARDING, "What changed"] == "Now positive exception (was no exception)"
    assert changes.loc[SSO, "What changed"] == "New in this report"


# --- Exceptions -----------------------------------------------------------------------------------


def test_analyst_exceptions_positive_and_negative(con: duckdb.DuckDBPyConnection) -> None:
    """The analyst's calls, with the published trend standing in where no change is computable."""
    both = measures.query_exceptions(con, JAN_2019)
    assert set(both["measure"]) == {SAFEGUARDING, SSO, "Domestic abuse crimes", "Fraud offences"}
    fraud = _row(both, "Fraud offences")
    assert (fraud["kind"], fraud["change"], fraud["change_shown"]) == ("negative", 31.3, "+31.3% (published)")
    positive = measures.query_exceptions(con, JAN_2019, (domain.POSITIVE,))
    assert set(positive["kind"]) == {domain.POSITIVE}
    victims = measures.query_exceptions(con, JAN_2019, theme="Helping and supporting victims")
    assert set(victims["measure"]) == {SSO, "Domestic abuse crimes"}


def test_detection_rule_exceptions(con: duckdb.DuckDBPyConnection) -> None:
    """The detection rule's verdicts, each with the rule that fired."""
    detected = measures.query_exceptions(con, JAN_2019, source=measures.DETECTION_SOURCE)
    assert SAFEGUARDING in set(detected["measure"])
    assert all(detected["rule"].str.len() > 0)
    assert set(detected["source"]) == {"Detection rule"}


def test_unknown_exception_source_named() -> None:
    """A bad source is refused with the choices."""
    with pytest.raises(ValueError, match="unknown exception source 'gut'"):
        measures.query_exceptions(None, JAN_2019, source="gut")  # type: ignore[arg-type]


def test_exception_table_words_and_icons(con: duckdb.DuckDBPyConnection) -> None:
    """Kind in words with icon; comment kept as published."""
    table = measures.exception_table(measures.query_exceptions(con, JAN_2019))
    row = table[table["Measure"] == SAFEGUARDING].iloc[0]
    assert row["Exception"] == "✔ Positive exception"
    assert row["Comment"].startswith("Additional 500 police safeguarding referrals")


# --- Series ---------------------------------------------------------------------------------------


def test_series_by_area_up_to_period(con: duckdb.DuckDBPyConnection) -> None:
    """'Force' unless an area is chosen; no month after the report period."""
    assert measures.list_series_areas(con) == ["Force", "City", "County"]
    force = measures.query_series(con, KNIFE)
    assert len(force) == 14 and set(force["area"]) == {"Force"}
    city = measures.query_series(con, KNIFE, "City", OCT_2018)
    assert max(city["period"]) == OCT_2018 and set(city["area"]) == {"City"}


# --- Figures --------------------------------------------------------------------------------------


def test_exceptions_figure_diverges_with_value_labels(con: duckdb.DuckDBPyConnection) -> None:
    """Bars left and right of zero, every bar labelled with its change, kind named with icon."""
    found = measures.query_exceptions(con, JAN_2019)
    fig = build_exceptions_figure(found, META)
    traces = {t.name: t for t in fig.data}
    assert set(traces) == {"✔ Positive exception", "✖ Negative exception"}
    negative = traces["✖ Negative exception"]
    assert list(negative.text) == ["-2.7 pts", "+31.3% (published)"]
    assert min(negative.x) < 0 < max(negative.x)
    assert list(negative.marker.pattern.shape) == ["", "/"]  # published changes hatched
    assert fig.layout.meta["title"] == "Test chart"


def test_direction_summary_figure_labels(con: duckdb.DuckDBPyConnection) -> None:
    """Each segment labelled with icon and count."""
    fig = build_direction_summary_figure(measures.query_theme_summary(con, JAN_2019), META)
    better = next(t for t in fig.data if t.name == "✔ Better")
    assert list(better.text) == ["✔ 1", "", ""]


def test_toolbar_download_at_print_scale() -> None:
    """The chart toolbar's PNG is scale 3, named from the title."""
    config = charts.plotly_config("Change in each exception, report to Jan 2019")
    assert config["toImageButtonOptions"]["scale"] >= 3
    assert config["toImageButtonOptions"]["filename"] == "change-in-each-exception-report-to-jan-2019"


def test_extract_text_escaped_in_figures() -> None:
    """A measure name holding a tag reaches Plotly escaped, so it is drawn literally."""
    assert plain_label("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    hostile = pd.DataFrame({
        "measure": ["<b>x</b>"], "kind": ["positive"], "change": [5.0], "change_shown": ["+5.0%"],
        "change_basis": ["computed"],
    })
    fig = build_exceptions_figure(hostile, META)
    assert "<b>" not in json.dumps(fig.data[0].y)


def test_measure_view_uses_series_where_loaded(con: duckdb.DuckDBPyConnection) -> None:
    """Knife crime has 14 monthly points: an SPC view with its table; referrals: baseline vs current."""
    changes = measures.query_measure_changes(con, JAN_2019)
    knife = build_measure_view(_row(changes, KNIFE), measures.query_series(con, KNIFE, None, JAN_2019), META)
    assert knife.kind == "spc" and knife.figure is not None
    assert {"Month", "Value", "Mean", "Variation"} <= set(knife.table.columns)
    assert len(knife.table) == 14
    referrals = build_measure_view(
        _row(changes, SAFEGUARDING), measures.query_series(con, SAFEGUARDING, None, JAN_2019), META
    )
    assert referrals.kind == "comparison"
    assert list(referrals.figure.data[0].text) == ["4,872", "5,369"]
    assert list(referrals.table["Value"]) == ["4,872 (Jan 2018)", "5,369 (Jan 2019)", "+10.2% (✔ Better)"]


def test_comparison_figure_grades_on_the_peel_scale() -> None:
    """Grades are drawn on the ordinal scale with grade names, not scores."""
    row = {
        "baseline_shown": "Requires Improvement (2017)", "current_shown": "Good (2019)",
        "baseline_value": 2.0, "current_value": 4.0, "unit": "grade", "direction": "better",
        "change": 2.0, "change_unit": "steps",
    }
    fig = build_comparison_figure(row, META)
    assert list(fig.data[0].text) == ["Requires Improvement", "Good"]
    assert "Outstanding" in fig.layout.yaxis.ticktext


# --- Filters --------------------------------------------------------------------------------------


def test_filter_params_round_trip() -> None:
    """Filters -> link parameters -> the same filters."""
    filters = Filters(JAN_2019, "Tackling crime and ASB", "City")
    assert filters_to_params(filters) == {"period": "2019-01", "theme": "Tackling crime and ASB", "area": "City"}
    assert parse_filter_params(filters_to_params(filters)) == (filters, [])
    assert filters_to_params(Filters()) == {}


def test_bad_filter_params_ignored_with_warning() -> None:
    """An unparseable period or an over-long name is dropped and said so."""
    filters, warnings = parse_filter_params({"period": "2019-13", "theme": "x" * 300})
    assert filters == Filters()
    assert warnings[0] == "Ignored the link's period '2019-13': expected a month like 2019-01."
    assert warnings[1].startswith("Ignored the link's theme")


def test_resolve_period_and_choice() -> None:
    """Unknown period: the latest with a warning; unknown theme: all, with a warning."""
    assert resolve_period(None, [OCT_2018, JAN_2019]) == (JAN_2019, None)
    assert resolve_period(OCT_2018, [OCT_2018, JAN_2019]) == (OCT_2018, None)
    chosen, warning = resolve_period(date(2020, 1, 1), [OCT_2018, JAN_2019])
    assert chosen == JAN_2019 and warning == "No report for Jan 2020 is loaded; showing the latest, Jan 2019."
    # With a default (the latest Panel report) that is loaded, it stands in for the latest.
    assert resolve_period(None, [OCT_2018, JAN_2019], OCT_2018) == (OCT_2018, None)
    assert resolve_period(JAN_2019, [OCT_2018, JAN_2019], OCT_2018) == (JAN_2019, None)
    assert resolve_period(date(2020, 1, 1), [OCT_2018, JAN_2019], OCT_2018) == (
        OCT_2018, "No report for Jan 2020 is loaded; showing the latest Panel report, Oct 2018.")
    assert resolve_period(None, [OCT_2018, JAN_2019], date(2020, 1, 1)) == (JAN_2019, None)
    assert resolve_choice("Nope", ["A"]) == (None, "'Nope' has nothing to show here; showing all.")
    assert resolve_choice("A", ["A"]) == ("A", None)


def test_sources_name_file_and_load_time(con: duckdb.DuckDBPyConnection) -> None:
    """Captions say which file and which load a figure came from."""
    assert measures.describe_measures_source(con, JAN_2019) == "measures.csv, loaded 24 Nov 2026 20:00 UTC"
    assert measures.describe_series_source(con, KNIFE) == "series.csv, load time not recorded"
    assert measures.describe_series_source(con, "No such measure") == "no load recorded"


# --- Hand-made rows for the rules the seed does not reach ------------------------------------------


def add_measure(con: duckdb.DuckDBPyConnection, measure: str, *, period: date = JAN_2019,
                theme: str = "Protecting people from harm", polarity: str = "higher_is_better",
                unit: str = "count", baseline: float | None = None, current: float | None = None,
                current_status: str | None = None, current_text: str | None = None,
                trend_text: str | None = None, trend_value: float | None = None, trend_unit: str | None = None,
                headline: bool = True, exception: str | None = None, comment: str | None = None,
                line: int = 2, source_file: str = "measures.csv", load_id: int = 1) -> None:
    """One measures row, baseline dated Jan 2018 and current Jan 2019."""
    con.execute(
        "INSERT INTO measures (period, theme, measure, polarity, unit, baseline_value, baseline_period,"
        " baseline_period_is_year, current_text, current_value, current_status, current_period,"
        " current_period_is_year, trend_text, trend_value, trend_unit, trend_decimals, headline, exception,"
        " comment, source_file, source_line, load_id)"
        " VALUES (?, ?, ?, ?, ?, ?, DATE '2018-01-01', false, ?, ?, ?, DATE '2019-01-01', false, ?, ?, ?, 1, ?, ?, ?,"
        " ?, ?, ?)",
        [period, theme, measure, polarity, unit, baseline, current_text, current, current_status, trend_text,
         trend_value, trend_unit, headline, exception, comment, source_file, line, load_id],
    )


def test_missing_values_become_none_and_timestamps_dates() -> None:
    """None, pd.NA, NaT and NaN are all missing (None in records); a Timestamp becomes its date;
    zero, an empty string and False are values."""
    for missing in (None, pd.NA, pd.NaT, float("nan")):
        assert measures.is_missing(missing)
    for value in (0, 0.0, "", False, "NaN"):
        assert not measures.is_missing(value)
    df = pd.DataFrame({"a": [pd.Timestamp("2019-01-01"), pd.NaT], "b": [1.5, float("nan")], "c": ["x", None]})
    assert measures.records(df) == [
        {"a": JAN_2019, "b": 1.5, "c": "x"},
        {"a": None, "b": None, "c": None},
    ]
    assert type(measures.records(df)[0]["a"]) is date


def test_figure_text_without_a_figure() -> None:
    """No value, status or text reads '–'; a figure that cannot be shown ('–') gets no period;
    a year's figure gives the year only."""
    base = {"unit": "grade", "current_value": None, "current_status": None, "current_text": None,
            "current_period": JAN_2019, "current_period_is_year": False}
    assert measures.figure_text(base, "current") == "–"
    assert measures.figure_text({**base, "current_value": 9.0}, "current") == "–"
    assert measures.figure_text({**base, "current_value": 4.0, "current_period_is_year": True}, "current") == "Good (2019)"
    assert measures.figure_text({**base, "current_value": 4.0, "current_period": None}, "current") == "Good"


def test_published_change_in_the_dashboards_wording() -> None:
    """A published trend worded in its own unit: per cent, points, steps, £ and plain numbers."""
    assert measures.published_change_text(None, "percent") == "–"
    assert measures.published_change_text(31.3, "percent") == "+31.3%"
    assert measures.published_change_text(-0.5, "points") == "-0.5 pts"
    assert measures.published_change_text(1.0, "steps") == "+1 step"
    assert measures.published_change_text(100.0, "money") == "+£100k"
    assert measures.published_change_text(-1000.0, "money") == "-£1.0m"
    assert measures.published_change_text(497.0, "number") == "+497"
    assert measures.published_change_text(-1234.5, None) == "-1,234.5"


def test_both_checks_are_named_in_one_cell() -> None:
    """A row whose trend disagrees and whose current precedes its baseline names both, in that
    order; a year's figure is dated by the year."""
    row = {
        "trend_disagrees": True, "trend_text": "+5%", "trend_unit": "percent", "trend_compared": 9.3,
        "change": 9.3, "change_unit": "percent", "current_before_baseline": True,
        "current_period": date(2017, 1, 1), "current_period_is_year": True,
        "baseline_period": date(2018, 6, 1), "baseline_period_is_year": False,
    }
    assert measures.check_text(row) == (
        "⚠ Published trend +5% disagrees with computed +9.3%; "
        "⚠ Current figure (2017) is dated before the baseline (2018)"
    )
    assert measures.check_text({**row, "trend_disagrees": False, "current_before_baseline": False}) == ""


def test_headline_table_of_a_row_without_trend_or_comment(empty_con: duckdb.DuckDBPyConnection) -> None:
    """No published trend reads '–', no comment an empty cell; the comment is the row's own."""
    add_measure(empty_con, "bare", baseline=100, current=120)
    add_measure(empty_con, "said", baseline=100, current=90, trend_text="-10.0%", trend_value=-10.0,
                trend_unit="percent", comment="Fewer.", line=3)
    table = measures.headline_table(measures.query_measure_changes(empty_con, JAN_2019))
    assert list(table.columns) == list(measures.HEADLINE_TABLE_COLUMNS)
    assert table.to_dict("records") == [
        {"Theme": "Protecting people from harm", "Measure": "bare", "Baseline": "100 (Jan 2018)",
         "Current": "120 (Jan 2019)", "Change": "+20.0%", "Direction": "✔ Better", "Published trend": "–",
         "Check": "", "Comment": ""},
        {"Theme": "Protecting people from harm", "Measure": "said", "Baseline": "100 (Jan 2018)",
         "Current": "90 (Jan 2019)", "Change": "-10.0%", "Direction": "✖ Worse", "Published trend": "-10.0%",
         "Check": "", "Comment": "Fewer."},
    ]


def test_summary_counts_unchanged_and_neutral_moves(empty_con: duckdb.DuckDBPyConnection) -> None:
    """An unchanged measure counts as 'no change'; a neutral one that moved has its own column,
    shown only when there is one; headings keep the summary's order."""
    add_measure(empty_con, "same", baseline=100, current=100)
    add_measure(empty_con, "moved", polarity="neutral", baseline=100, current=120, line=3)
    add_measure(empty_con, "unknown", exception="negative", line=4)
    summary = measures.query_theme_summary(empty_con, JAN_2019)
    assert summary.to_dict("records") == [{
        "theme": "Protecting people from harm", "measures": 3, "better": 0, "worse": 0, "no_change": 1,
        "neutral_moved": 1, "not_comparable": 1, "positive_exceptions": 0, "negative_exceptions": 1, "flagged": 0,
    }]
    table = measures.summary_table(summary)
    assert table.to_dict("records") == [{
        "Theme": "Protecting people from harm", "Headline measures": 3, "✔ Better": 0, "✖ Worse": 0, "= No change": 1,
        "… Not comparable": 1, "✔ Positive exceptions": 0, "✖ Negative exceptions": 1,
        "⚠ Flagged for checking": 0, "Neutral, moved": 1,
    }]
    assert list(table.columns)[-1] == "Neutral, moved"
    assert "Neutral, moved" not in measures.summary_table(summary.assign(neutral_moved=0)).columns


def test_headline_counts_total_the_themes(con: duckdb.DuckDBPyConnection) -> None:
    """Headline measures, better, worse, unchanged, not comparable and exceptions summed over the
    themes, labelled with icon and word; the directions count the headline table's rows only."""
    summary = measures.query_theme_summary(con, JAN_2019)
    assert measures.headline_counts(summary) == {
        "Headline measures": 5, "✔ Better": 1, "✖ Worse": 3, "= No change": 0, "… Not comparable": 1,
        "✔ Positive exceptions": 2, "✖ Negative exceptions": 2,
    }
    assert measures.headline_counts(summary[summary["theme"] == "Protecting people from harm"]) == {
        "Headline measures": 3, "✔ Better": 1, "✖ Worse": 1, "= No change": 0, "… Not comparable": 1,
        "✔ Positive exceptions": 1, "✖ Negative exceptions": 0,
    }


def test_overview_counts_agree_with_the_headline_table(empty_con: duckdb.DuckDBPyConnection) -> None:
    """A measure outside the headline table (an exception-only row) is not counted as a headline
    measure or a direction, but its exception is counted, as the Exceptions page lists it."""
    add_measure(empty_con, "better", baseline=100, current=120, exception="positive")
    add_measure(empty_con, "worse", baseline=100, current=80, line=3)
    add_measure(empty_con, "unknown", line=4)
    add_measure(empty_con, "exception only", baseline=100, current=150, headline=False, exception="positive", line=5)
    changes = measures.query_measure_changes(empty_con, JAN_2019)
    headline = measures.headline_rows(changes)
    counts = measures.headline_counts(measures.query_theme_summary(empty_con, JAN_2019))
    assert counts == {
        "Headline measures": 3, "✔ Better": 1, "✖ Worse": 1, "= No change": 0, "… Not comparable": 1,
        "✔ Positive exceptions": 2, "✖ Negative exceptions": 0,
    }
    assert counts["Headline measures"] == len(headline)
    assert counts["✔ Better"] == int((headline["direction"] == "better").sum())


def test_overview_table_puts_each_themes_rag_beside_it(con: duckdb.DuckDBPyConnection) -> None:
    """The RAG summary is the second column; a theme without deliverables reads '–'."""
    summary = measures.query_theme_summary(con, JAN_2019)
    table = measures.overview_table(summary, {"Helping and supporting victims": "● 2/2 (100%) Green"})
    assert list(table.columns) == ["Theme", "Delivery plan (RAG)", *measures.summary_table(summary).columns[1:]]
    assert list(table["Delivery plan (RAG)"]) == ["–", "● 2/2 (100%) Green", "–"]
    assert list(table["Theme"]) == list(summary["theme"])
    assert list(table["Headline measures"]) == [3, 1, 1]


def test_rag_text_joins_each_status_in_order() -> None:
    """Every status with deliverables, in the summary's order, joined with '; ', theme by theme."""
    rag = pd.DataFrame({
        "theme": ["T", "T", "T", "U"], "status": ["G", "A", "R", "W"], "n": [12, 2, 0, 1], "total": [14, 14, 14, 1],
        "summary_text": ["12/14 (86%)", "2/14 (14%)", "0/14 (0%)", "1/1 (100%)"],
    })
    assert measures.rag_text_by_theme(rag) == {"T": "● 12/14 (86%) Green; ▲ 2/14 (14%) Amber", "U": "○ 1/1 (100%) White"}


def test_changes_since_names_dropped_updated_and_combined_changes(empty_con: duckdb.DuckDBPyConnection) -> None:
    """A measure new in this report, one gone from it, a new figure with nothing else changed, and a
    direction and an exception changed together ('; '); a measure with nothing changed is left out."""
    for period, current, exception in ((OCT_2018, 110, None), (JAN_2019, 90, "negative")):
        add_measure(empty_con, "turned", period=period, baseline=100, current=current, exception=exception)
    for period, current in ((OCT_2018, 120), (JAN_2019, 130)):
        add_measure(empty_con, "updated", period=period, baseline=100, current=current, line=3)
    for period in (OCT_2018, JAN_2019):
        add_measure(empty_con, "steady", period=period, baseline=100, current=120, line=4)
    add_measure(empty_con, "dropped", period=OCT_2018, theme="Tackling crime and ASB", baseline=1, current=2, line=5)
    add_measure(empty_con, "new", theme="Tackling crime and ASB", baseline=3, current=4, line=6)
    changes = measures.query_changes_since(empty_con, JAN_2019, OCT_2018)
    assert list(changes.columns) == list(measures.CHANGES_SINCE_COLUMNS)
    assert changes.to_dict("records") == [
        {"Theme": "Protecting people from harm", "Measure": "turned", "Previous report": "110 (Jan 2019)",
         "This report": "90 (Jan 2019)",
         "What changed": "Direction now ✖ Worse (was ✔ Better); Now negative exception (was no exception)"},
        {"Theme": "Protecting people from harm", "Measure": "updated", "Previous report": "120 (Jan 2019)",
         "This report": "130 (Jan 2019)", "What changed": "Current figure updated"},
        {"Theme": "Tackling crime and ASB", "Measure": "new", "Previous report": "–",
         "This report": "4 (Jan 2019)", "What changed": "New in this report"},
        {"Theme": "Tackling crime and ASB", "Measure": "dropped", "Previous report": "2 (Jan 2019)",
         "This report": "–", "What changed": "Not in this report"},
    ]


def test_changes_since_an_identical_report_is_an_empty_table(con: duckdb.DuckDBPyConnection) -> None:
    """Nothing changed: no rows, the table's headings kept."""
    same = measures.query_changes_since(con, JAN_2019, JAN_2019)
    assert same.empty and list(same.columns) == list(measures.CHANGES_SINCE_COLUMNS)


def test_changes_since_a_new_exception_names_what_it_was_before(empty_con: duckdb.DuckDBPyConnection) -> None:
    """An exception that changed kind says both kinds."""
    for period, exception in ((OCT_2018, "positive"), (JAN_2019, "negative")):
        add_measure(empty_con, "swung", period=period, baseline=100, current=100, exception=exception)
    changes = measures.query_changes_since(empty_con, JAN_2019, OCT_2018)
    assert list(changes["What changed"]) == ["Now negative exception (was positive exception)"]


def test_exception_without_change_or_trend_and_without_comment(empty_con: duckdb.DuckDBPyConnection) -> None:
    """An analyst's exception with no figures shows '–' for its change and an empty comment."""
    add_measure(empty_con, "no figures", exception="negative")
    found = measures.query_exceptions(empty_con, JAN_2019)
    assert list(found.columns) == list(measures.EXCEPTION_COLUMNS)
    assert measures.records(found) == [{
        "theme": "Protecting people from harm", "measure": "no figures", "polarity": "higher_is_better",
        "unit": "count", "kind": "negative", "change": None, "change_unit": None, "change_shown": "–",
        "change_basis": "none", "source": "Analyst's call", "rule": "", "detail": "", "published": "",
        "check": "", "comment": "",
    }]
    assert measures.exception_table(found).to_dict("records") == [{
        "Theme": "Protecting people from harm", "Measure": "no figures", "Exception": "✖ Negative exception",
        "Change": "–", "Published": "–", "Check": "", "Source": "Analyst's call", "Comment": "",
    }]


def test_no_exceptions_is_an_empty_table_with_its_columns(empty_con: duckdb.DuckDBPyConnection) -> None:
    """A report without exceptions: no rows, every column, change as numbers."""
    add_measure(empty_con, "quiet", baseline=100, current=101)
    found = measures.query_exceptions(empty_con, JAN_2019)
    assert found.empty and list(found.columns) == list(measures.EXCEPTION_COLUMNS)
    assert found["change"].dtype == "float64"


def test_computed_exception_record_in_full(con: duckdb.DuckDBPyConnection) -> None:
    """A computed change keeps its number, unit and basis beside its wording."""
    referrals = _row(measures.query_exceptions(con, JAN_2019), SAFEGUARDING)
    assert referrals == {
        "theme": "Protecting people from harm", "measure": SAFEGUARDING, "polarity": "higher_is_better",
        "unit": "count", "kind": "positive", "change": pytest.approx(10.2011, abs=1e-4), "change_unit": "percent",
        "change_shown": "+10.2%", "change_basis": "computed", "source": "Analyst's call", "rule": "", "detail": "",
        "published": "+10.2%", "check": "",
        "comment": "Additional 500 police safeguarding referrals made over the last year.",
    }
    fraud = _row(measures.query_exceptions(con, JAN_2019), "Fraud offences")
    assert (fraud["change_unit"], fraud["change_basis"]) == ("percent", "published")


def test_detection_exceptions_by_kind_with_rule_and_detail(con: duckdb.DuckDBPyConnection) -> None:
    """Only the kinds asked for; the Source column names the rule and its detail; plan theme order."""
    detected = measures.query_exceptions(con, JAN_2019, source=measures.DETECTION_SOURCE)
    assert list(detected["measure"]) == [SAFEGUARDING, KNIFE, SSO]
    assert list(detected["kind"]) == ["positive", "negative", "negative"]
    positive = measures.query_exceptions(con, JAN_2019, (domain.POSITIVE,), source=measures.DETECTION_SOURCE)
    assert list(positive["measure"]) == [SAFEGUARDING]
    table = measures.exception_table(positive)
    assert table["Source"].iloc[0] == (
        "Detection rule: Threshold: |change| ≥ 10% (" + positive["detail"].iloc[0] + ")")
    assert positive["detail"].iloc[0].startswith("4,872 (Jan 2018) → 5,369 (Jan 2019)")
    victims = measures.query_exceptions(con, JAN_2019, theme="Helping and supporting victims",
                                        source=measures.DETECTION_SOURCE)
    assert list(victims["measure"]) == [SSO]


def test_sources_of_several_files_each_named(empty_con: duckdb.DuckDBPyConnection) -> None:
    """Measures from two files name both, in file order, each with its load time or its absence."""
    empty_con.execute(
        "INSERT INTO load_log (load_id, loaded_at, file_name, file_sha256, table_name, encoding, rows_in_file,"
        " rows_added, rows_replaced) VALUES (1, TIMESTAMP '2026-11-24 21:51:00', 'b.csv', 'x', 'measures', 'utf-8', 1, 1, 0)"
    )
    add_measure(empty_con, "one", source_file="b.csv")
    add_measure(empty_con, "two", source_file="a.csv", load_id=2, theme="Tackling crime and ASB")
    assert measures.describe_measures_source(empty_con, JAN_2019) == (
        "a.csv, load time not recorded; b.csv, loaded 24 Nov 2026 21:51 UTC")
    assert measures.describe_measures_source(empty_con, JAN_2019, "Tackling crime and ASB") == (
        "a.csv, load time not recorded")
    assert measures.describe_measures_source(empty_con, OCT_2018) == "no load recorded"


def test_an_exception_shows_its_own_tables_figure_and_narrative(empty_con: duckdb.DuckDBPyConnection) -> None:
    """The exception table's figure and narrative (exception_trend, exception_comment) are what the
    exception shows, not the headline trend and comment; its own figure is checked against the
    computed change; without them the headline trend and comment stand in (an older extract)."""
    add_measure(empty_con, "sso", polarity="higher_is_better", unit="percent", baseline=11.6, current=8.9,
                trend_text="↓ 0.5% pts", trend_value=-0.5, trend_unit="points", exception="negative",
                comment="Headline comment.")
    empty_con.execute("UPDATE measures SET exception_trend_text = '-2.7% pts', exception_trend_value = -2.7, "
                      "exception_trend_unit = 'points', exception_trend_decimals = 1, "
                      "exception_comment = 'The narrative.' WHERE measure = 'sso'")
    add_measure(empty_con, "wrong", unit="percent", baseline=50, current=40, exception="negative", line=3)
    empty_con.execute("UPDATE measures SET exception_trend_text = '-5% pts', exception_trend_value = -5, "
                      "exception_trend_unit = 'points', exception_trend_decimals = 0 WHERE measure = 'wrong'")
    add_measure(empty_con, "older", baseline=100, current=90, trend_text="-10%", trend_value=-10,
                trend_unit="percent", exception="negative", comment="All in the comment.", line=4)
    found = {r["measure"]: r for r in measures.records(measures.query_exceptions(empty_con, JAN_2019))}
    assert (found["sso"]["published"], found["sso"]["check"], found["sso"]["comment"]) == (
        "-2.7% pts", "", "The narrative.")
    assert found["wrong"]["check"] == "⚠ Published -5% pts disagrees with computed -10.0 pts"
    assert (found["older"]["published"], found["older"]["comment"]) == ("-10%", "All in the comment.")
    headline = measures.query_measure_changes(empty_con, JAN_2019).set_index("measure")
    assert headline.loc["sso", "check"] == "⚠ Published trend ↓ 0.5% pts disagrees with computed -2.7 pts"
    table = measures.exception_table(measures.query_exceptions(empty_con, JAN_2019))
    assert list(table["Published"]) == ["-2.7% pts", "-5% pts", "-10%"]
    assert list(table["Check"]) == ["", "⚠ Published -5% pts disagrees with computed -10.0 pts", ""]
