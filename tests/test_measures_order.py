"""Measures' tables, beyond tests/test_measures.py: an empty period's columns, the order within a
theme (the analyst's and the detection rule's exceptions), and the checks: an exception's where it
has no figure of its own, a per cent against points, money."""

from __future__ import annotations

from datetime import date

import duckdb

from dashboard import measures

JAN_2019 = date(2019, 1, 1)
VICTIMS = "Helping and supporting victims"
HARM = "Protecting people from harm"   # before VICTIMS in the plan's order


def add(con: duckdb.DuckDBPyConnection, measure: str, line: int, *, theme: str = VICTIMS,
        exception: str | None = "negative", trend_text: str | None = "-10%", trend_value: float | None = -10) -> None:
    """A count measure, 100 in Jan 2018 and 90 in Jan 2019 (-10%), with the trend given."""
    con.execute(
        "INSERT INTO measures (period, theme, measure, polarity, unit, baseline_value, baseline_period,"
        " baseline_period_is_year, current_value, current_period, current_period_is_year, trend_text,"
        " trend_value, trend_unit, trend_decimals, headline, exception, source_file, source_line, load_id)"
        " VALUES (?, ?, ?, 'higher_is_better', 'count', 100, DATE '2018-01-01', false, 90, DATE '2019-01-01',"
        " false, ?, ?, 'percent', 0, true, ?, 'measures.csv', ?, 1)",
        [JAN_2019, theme, measure, trend_text, trend_value, exception, line])


def test_a_period_without_measures_has_the_columns_of_one_with_them(empty_con) -> None:
    add(empty_con, "Referrals", 2)
    loaded = measures.query_measure_changes(empty_con, JAN_2019)
    empty = measures.query_measure_changes(empty_con, date(2019, 2, 1))
    assert len(loaded) == 1 and empty.empty
    assert list(empty.columns) == list(loaded.columns)
    assert list(empty.index) == []


def test_exceptions_keep_the_extracts_order_within_each_theme(empty_con) -> None:
    """Themes in the plan's order; within a theme, the extract's line order, however many rows
    share the theme (a sort that is not stable reorders ties once there are more than a few)."""
    names = [f"Measure {n:02d}" for n in range(60)]
    order = names[::2] + names[1::2]   # not alphabetical, so only a stable sort keeps it
    for line, name in enumerate(order, start=2):
        add(empty_con, name, line)
    add(empty_con, "Harm first", 99, theme=HARM)
    found = measures.query_exceptions(empty_con, JAN_2019)
    assert list(found["measure"]) == ["Harm first", *order]


def test_an_exception_without_its_own_figure_carries_the_headline_trends_check(empty_con) -> None:
    """No exception figure published: the exception table checks the headline trend instead, so a
    headline trend that disagrees with baseline and current is flagged there too."""
    add(empty_con, "Agrees", 2)
    add(empty_con, "Disagrees", 3, trend_text="+5%", trend_value=5)
    found = {r["measure"]: r for r in measures.records(measures.query_exceptions(empty_con, JAN_2019))}
    assert found["Agrees"]["check"] == ""
    assert found["Disagrees"]["check"] == "⚠ Published trend +5% disagrees with computed -10.0%"


def set_exception_figure(con: duckdb.DuckDBPyConnection, measure: str, text: str, value: float, unit: str) -> None:
    con.execute("UPDATE measures SET exception_trend_text = ?, exception_trend_value = ?, exception_trend_unit = ?, "
                "exception_trend_decimals = 0 WHERE measure = ?", [text, value, unit, measure])


def test_an_exceptions_own_figure_is_checked_in_its_unit(empty_con) -> None:
    """The exception table's figure against baseline and current (100 to 90): a percentage against
    the change in per cent, a count against the difference; agreeing, no check."""
    for line, (name, text, value, unit) in enumerate([
        ("Percent wrong", "-5%", -5, "percent"), ("Count wrong", "+3", 3, "number"),
        ("Percent right", "-10%", -10, "percent"), ("Count right", "-10", -10, "number"),
    ], start=2):
        add(empty_con, name, line)
        set_exception_figure(empty_con, name, text, value, unit)
    found = {r["measure"]: r for r in measures.records(measures.query_exceptions(empty_con, JAN_2019))}
    assert found["Percent wrong"]["check"] == "⚠ Published -5% disagrees with computed -10.0%"
    assert found["Count wrong"]["check"] == "⚠ Published +3 disagrees with computed -10"
    assert (found["Percent right"]["check"], found["Count right"]["check"]) == ("", "")
    assert found["Percent wrong"]["published"] == "-5%"


def test_without_a_computed_change_the_exceptions_own_figure_is_drawn(empty_con) -> None:
    """No current figure, so no computed change: the exception's change is the figure its own table
    published (before the headline trend), marked as published."""
    add(empty_con, "Pending", 2, trend_text="-1%", trend_value=-1)
    empty_con.execute("UPDATE measures SET current_value = NULL WHERE measure = 'Pending'")
    set_exception_figure(empty_con, "Pending", "-4%", -4, "percent")
    (row,) = measures.records(measures.query_exceptions(empty_con, JAN_2019))
    assert (row["change"], row["change_unit"], row["change_basis"]) == (-4, "percent", "published")
    assert row["change_shown"] == measures.published_change_text(-4, "percent") + " (published)"


def test_headline_rows_are_the_headline_measures_renumbered_with_the_same_columns(empty_con) -> None:
    add(empty_con, "Headline", 2)
    add(empty_con, "Not a headline", 3)
    empty_con.execute("UPDATE measures SET headline = false WHERE measure = 'Not a headline'")
    add(empty_con, "Another headline", 4)
    changes = measures.query_measure_changes(empty_con, JAN_2019)
    rows = measures.headline_rows(changes)
    assert list(rows["measure"]) == ["Headline", "Another headline"]
    assert list(rows.columns) == list(changes.columns)
    assert list(rows.index) == [0, 1]


def test_detected_exceptions_come_in_the_plans_theme_order(empty_con) -> None:
    """The detection rule reads the measures in line order; its exceptions are shown by theme all
    the same, as the analyst's are."""
    add(empty_con, "Victims first", 2, exception=None)
    add(empty_con, "Harm after", 3, theme=HARM, exception=None, trend_text="-20%", trend_value=-20)
    empty_con.execute("UPDATE measures SET current_value = 80 WHERE measure = 'Harm after'")
    found = measures.query_exceptions(empty_con, JAN_2019, source=measures.DETECTION_SOURCE)
    assert list(found["measure"]) == ["Harm after", "Victims first"]


def test_measures_on_the_same_line_of_two_extracts_come_by_name(empty_con) -> None:
    add(empty_con, "Zeta", 2)
    add(empty_con, "Alpha", 2)
    assert list(measures.query_measure_changes(empty_con, JAN_2019)["measure"]) == ["Alpha", "Zeta"]


def test_a_trend_published_in_per_cent_is_checked_against_the_change_in_points(empty_con) -> None:
    """A percentage measure changes in points; a trend (or exception figure) written as a per cent
    is still compared with, and the check names, that change in points."""
    add(empty_con, "Repeat victims", 2, trend_text="+5%", trend_value=5)
    empty_con.execute("UPDATE measures SET unit = 'percent', baseline_value = 33.2, current_value = 32.7")
    set_exception_figure(empty_con, "Repeat victims", "+4%", 4, "percent")
    (row,) = measures.records(measures.query_exceptions(empty_con, JAN_2019))
    assert row["check"] == "⚠ Published +4% disagrees with computed -0.5 pts"
    (headline,) = measures.records(measures.query_measure_changes(empty_con, JAN_2019))
    assert headline["check"] == "⚠ Published trend +5% disagrees with computed -0.5 pts"


def test_an_exception_figure_published_as_money_is_checked_as_money(empty_con) -> None:
    """Money is held in £ thousands: £1.0m to £1.16m against a published +£0.1m."""
    add(empty_con, "Spend", 2)
    empty_con.execute("UPDATE measures SET unit = 'money', baseline_value = 1000, current_value = 1160")
    set_exception_figure(empty_con, "Spend", "+£0.1m", 100, "money")
    (row,) = measures.records(measures.query_exceptions(empty_con, JAN_2019))
    assert row["check"] == "⚠ Published +£0.1m disagrees with computed +£160k"
